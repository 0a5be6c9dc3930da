// `vscode-lm` routes in a real VS Code: the editor's Language Model API serves models that a
// test-only extension registers (test/host/fake-lm), and the chain treats them as routes like
// any other: answering hot, failing over to an HTTP fake on each error class, and carrying a
// tool conversation across in both directions. On a VS Code without the provider API the suite
// checks the degraded path instead: the route is skipped with a message saying why.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AskOutcome } from '../../../src/vscode/askCommand';
import type { StatusView } from '../../../src/vscode/statusModel';
import { startFakeProvider, type FakeProvider } from '../../fakes/index';
import { api, fileIn, screenshot, setUserSetting, STATUS_ITEM, testPolicy } from './support';

const KEY = `sk-host-test-${'lm'.repeat(12)}`;
const FAKE_LM_ID = 'context-gateway-tests.fake-language-models';

/** What a fake editor model received (see test/host/fake-lm/extension.js). */
interface FakeRequest {
  model: string;
  messages: Array<{ role: string; parts: Array<{ type: string; text?: string; callId?: string; name?: string; input?: unknown; content?: string }> }>;
  tools: Array<{ name: string; inputSchema?: unknown }>;
  modelOptions: Record<string, unknown>;
  refused?: string;
}
interface FakeModels {
  requests: FakeRequest[];
  script(...steps: object[]): void;
  reset(): void;
}

const ask = (args: Record<string, unknown>) => vscode.commands.executeCommand<AskOutcome>('contextGateway.askAboutSymbol', args);
const status = () => vscode.commands.executeCommand<{ statusBar: StatusView; settingsProblems: string[] }>('contextGateway.showStatus', { quiet: true });
const providerApi = typeof (vscode.lm as { registerLanguageModelChatProvider?: unknown }).registerLanguageModelChatProvider === 'function';
const explainOrderTotal = { uri: () => fileIn('src/prices.ts').toString(), symbol: 'orderTotal', task: 'explain' };
const textOf = (r: FakeRequest) => r.messages.flatMap((m) => m.parts.map((p) => p.text ?? p.content ?? '')).join('\n');
const trace = (outcome: AskOutcome, extra: object = {}) => JSON.stringify({ status: outcome.status, text: outcome.text.slice(0, 300), attempts: outcome.attempts, ...extra });

let openai: FakeProvider;

function editorRoute(id: string, tier: 'hot' | 'warm', select: object = { vendor: 'cg-fake', family: 'fake-family' }) {
  return { id, tier, provider: 'vscode-lm', ...select, maxOutputTokens: 400 };
}
function httpRoute(tier: 'hot' | 'warm') {
  return { id: 'openai-route', tier, provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'OPENAI_API_KEY', maxOutputTokens: 400 };
}

describe('vscode-lm routes', function () {
  this.timeout(60_000);

  before(async () => {
    openai = await startFakeProvider('openai', { key: KEY });
    await api();
    assert.equal(await vscode.commands.executeCommand('contextGateway.setApiKey', { secret: 'OPENAI_API_KEY', key: KEY }), true);
    await testPolicy(50);
  });

  after(async () => {
    await setUserSetting('routes', []);
    await openai.close();
  });

  if (!providerApi) {
    // VS Code before 1.104 has vscode.lm but no way for an extension to provide models: a
    // vscode-lm route finds none, says so, and the chain goes on to the next route.
    it(`degrades on VS Code ${vscode.version}: the route is skipped with the reason, the HTTP route answers`, async () => {
      await setUserSetting('routes', [editorRoute('editor-route', 'hot', { vendor: 'copilot' }), httpRoute('warm')]);
      openai.script({ reply: { text: 'answered over HTTP' } });
      const outcome = await ask({ ...explainOrderTotal, uri: explainOrderTotal.uri() });
      assert.equal(outcome.routeId, 'openai-route', trace(outcome));
      const skipped = outcome.attempts.find((a) => a.route === 'editor-route');
      assert.equal(skipped?.outcome, 'no-model', trace(outcome));
      assert.equal(skipped?.skipped, true);
      assert.match(skipped?.message ?? '', /no editor model matches vendor "copilot"/, trace(outcome));
    });
    return;
  }

  let fake: FakeModels;
  before(async () => {
    const extension = vscode.extensions.getExtension<FakeModels>(FAKE_LM_ID);
    assert.ok(extension, `${FAKE_LM_ID} (test/host/fake-lm) is loaded beside the extension`);
    fake = await extension.activate();
  });
  beforeEach(async () => {
    fake.reset();
    openai.reset();
    await vscode.commands.executeCommand('contextGateway.resetBreaker', 'editor-route');
    await vscode.commands.executeCommand('contextGateway.resetBreaker', 'openai-route');
  });

  it('answers on a hot vscode-lm route: the payload reaches the editor model, free, within its window (screenshot)', async () => {
    await setUserSetting('routes', [editorRoute('editor-route', 'hot'), httpRoute('warm')]);
    fake.script({ text: ['orderTotal multiplies ', 'price by qty, ', 'adds tax and rounds.'] });
    const outcome = await ask({ ...explainOrderTotal, uri: explainOrderTotal.uri() });
    assert.equal(outcome.status, 'answered', trace(outcome));
    assert.equal(outcome.routeId, 'editor-route');
    assert.equal(outcome.text, 'orderTotal multiplies price by qty, adds tax and rounds.');
    assert.equal(fake.requests.length, 1);
    const [request] = fake.requests;
    assert.equal(request!.model, 'fake-large', 'the selector chose the model of that family');
    assert.equal(request!.refused, undefined);
    assert.match(textOf(request!), /export function orderTotal/);
    assert.doesNotMatch(textOf(request!), /INTERNAL-AUDIT-MARKER|DENIED-ENV-MARKER/, 'denied files are not sent to editor models either');
    assert.equal(request!.modelOptions.maxTokens, 400, 'the route\'s output cap is passed as the model option');
    assert.deepEqual(request!.tools.map((t) => t.name).sort(), ['list_symbols', 'read_symbol'], 'the task\'s tools are offered as LanguageModelChatTools');
    assert.equal(openai.requests.length, 0, 'the warm route was not needed');
    const view = (await status()).statusBar;
    assert.equal(view.state, 'hot', JSON.stringify(view));
    assert.match(view.text, /editor-route/, JSON.stringify(view));
    await screenshot('status-bar-editor-model', { hover: STATUS_ITEM });
  });

  // Each way an editor model fails, and the decision the chain makes: fail over to the HTTP route.
  const failures = [
    { step: { error: 'no-permissions', message: 'The user did not allow access' }, outcome: 'auth' },
    { step: { error: 'not-found', message: 'Model fake-large is gone' }, outcome: 'not_found' },
    { step: { error: 'blocked', message: 'Rate limited, try again in a minute' }, outcome: 'rate_limited' },
    { step: { error: 'blocked', message: 'You have exceeded your premium requests quota' }, outcome: 'quota_exhausted' },
    { step: { error: 'plain', message: 'Server error: 429 Too Many Requests' }, outcome: 'rate_limited' },
    { step: { error: 'plain', message: 'The model is overloaded' }, outcome: 'overloaded' },
    { step: { error: 'plain', message: 'Something broke in the model provider' }, outcome: 'server_error' },
  ];
  for (const { step, outcome: expected } of failures) {
    it(`fails over to the HTTP route when the editor model fails with ${step.error} "${step.message}" (${expected})`, async () => {
      await setUserSetting('routes', [editorRoute('editor-route', 'hot'), httpRoute('warm')]);
      fake.script(step);
      openai.script({ reply: { text: 'answered over HTTP' } });
      const outcome = await ask({ ...explainOrderTotal, uri: explainOrderTotal.uri() });
      assert.equal(outcome.routeId, 'openai-route', trace(outcome));
      assert.equal(outcome.text, 'answered over HTTP');
      const failed = outcome.attempts.find((a) => a.route === 'editor-route');
      assert.equal(failed?.outcome, expected, trace(outcome));
      assert.equal(failed?.skipped, false, 'the editor model was asked');
      assert.ok(failed?.message?.includes(step.message), trace(outcome));
      assert.equal(fake.requests.length, 1);
      assert.equal(openai.requests.length, 1);
    });
  }

  it('skips a route whose model the editor does not offer, naming the models it does', async () => {
    await setUserSetting('routes', [editorRoute('editor-route', 'hot', { vendor: 'cg-fake', family: 'no-such-family' }), httpRoute('warm')]);
    openai.script({ reply: { text: 'answered over HTTP' } });
    const outcome = await ask({ ...explainOrderTotal, uri: explainOrderTotal.uri() });
    assert.equal(outcome.routeId, 'openai-route', trace(outcome));
    const skipped = outcome.attempts.find((a) => a.route === 'editor-route');
    assert.equal(skipped?.outcome, 'no-model');
    assert.match(skipped?.message ?? '', /cg-fake\/fake-family \(fake-large\)/, 'the message lists what the editor offers');
    assert.equal(fake.requests.length, 0);
  });

  it('skips a model whose own window is too small for the payload, counted by its own tokenizer', async () => {
    await setUserSetting('routes', [editorRoute('editor-route', 'hot', { vendor: 'cg-fake', family: 'fake-tiny-family' }), httpRoute('warm')]);
    openai.script({ reply: { text: 'answered over HTTP' } });
    const outcome = await ask({ ...explainOrderTotal, uri: explainOrderTotal.uri() });
    assert.equal(outcome.routeId, 'openai-route', trace(outcome));
    const skipped = outcome.attempts.find((a) => a.route === 'editor-route');
    assert.equal(skipped?.outcome, 'context-window', trace(outcome));
    assert.equal(fake.requests.length, 0, 'nothing was sent to a model that could not take it');
  });

  it('continues a tool conversation started on the HTTP route on the editor model', async () => {
    await setUserSetting('routes', [httpRoute('hot'), editorRoute('editor-route', 'warm')]);
    openai.script(
      { reply: { toolCalls: [{ id: 'call_http_1', name: 'read_symbol', arguments: { name: 'roundCents' } }] } },
      { fault: { type: 'http', failure: 'overloaded' } },
    );
    fake.script({ text: 'roundCents rounds to two decimals; orderTotal uses it last.' });
    const outcome = await ask({ ...explainOrderTotal, uri: explainOrderTotal.uri() });
    assert.equal(outcome.routeId, 'editor-route', trace(outcome, { fake: fake.requests }));
    assert.equal(outcome.toolCalls, 1);
    const [request] = fake.requests;
    assert.equal(request?.refused, undefined, `the editor model accepted the translated history: ${request?.refused}`);
    const call = request!.messages.flatMap((m) => m.parts.map((p) => ({ role: m.role, ...p }))).find((p) => p.type === 'tool_call');
    const result = request!.messages.flatMap((m) => m.parts.map((p) => ({ role: m.role, ...p }))).find((p) => p.type === 'tool_result');
    assert.equal(call?.role, 'assistant');
    assert.equal(call?.name, 'read_symbol');
    assert.deepEqual(call?.input, { name: 'roundCents' });
    assert.equal(result?.role, 'user');
    assert.equal(result?.callId, call?.callId, 'the result answers the call it belongs to');
    assert.match(result?.content ?? '', /function roundCents/, 'the tool result carries the symbol read');
  });

  it('continues a tool conversation started on the editor model on the HTTP route, whose strict fake accepts it', async () => {
    await setUserSetting('routes', [editorRoute('editor-route', 'hot'), httpRoute('warm')]);
    fake.script(
      { toolCalls: [{ callId: 'editor-call/1:x', name: 'read_symbol', input: { name: 'roundCents' } }] },
      { error: 'blocked', message: 'Rate limited' },
    );
    openai.script({ reply: { text: 'roundCents is applied to the taxed sum.' } });
    const outcome = await ask({ ...explainOrderTotal, uri: explainOrderTotal.uri() });
    assert.equal(outcome.routeId, 'openai-route', trace(outcome, { fake: fake.requests }));
    assert.equal(outcome.text, 'roundCents is applied to the taxed sum.');
    assert.equal(fake.requests[1]?.refused, undefined, 'the second editor turn carried the call and its result');
    const sent = openai.requests[0]!;
    assert.equal(sent.rejected, undefined, `the OpenAI fake accepted the history: ${sent.rejected}`);
    const messages = (sent.body as { messages: Array<{ role: string; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string; content?: unknown }> }).messages;
    const assistant = messages.find((m) => m.tool_calls?.length);
    const tool = messages.find((m) => m.role === 'tool');
    assert.equal(assistant?.tool_calls?.[0]?.function.name, 'read_symbol');
    assert.deepEqual(JSON.parse(assistant!.tool_calls![0]!.function.arguments), { name: 'roundCents' });
    assert.match(assistant!.tool_calls![0]!.id, /^[A-Za-z0-9_-]+$/, 'the editor\'s call id was mapped to one OpenAI accepts');
    assert.equal(tool?.tool_call_id, assistant!.tool_calls![0]!.id);
    assert.match(String(tool?.content), /function roundCents/);
  });
});
