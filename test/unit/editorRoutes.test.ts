// The `vscode-lm` route kind in the core: route validation, the IR to the Language Model API's
// messages and back, the error taxonomy, and the router treating an editor model like any route
// (failing over to a strict HTTP fake with the history translated). The editor's models are a
// scripted EditorModels here; the VS Code layer's implementation over `vscode.lm` is not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { editorFailure } from '../../src/gateway/routing/editor/editorFailure';
import { fromEditorToolCall, toEditorRequest } from '../../src/gateway/routing/editor/editorMessages';
import type { EditorChatRequest, EditorModel, EditorModels } from '../../src/gateway/routing/editor/editorModel';
import { ProviderError } from '../../src/gateway/routing/failures';
import type { ChatRequest, Message } from '../../src/gateway/ir';
import { DEFAULT_POLICY } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import { parseRoutes, describeRouteProblem, type Route } from '../../src/gateway/routing/routes';
import type { StreamEvent } from '../../src/gateway/routing/stream';
import { startFakeProvider, type FakeProvider } from '../fakes/index';

const EDITOR: Route = parseRoutes([{ id: 'editor', tier: 'hot', provider: 'vscode-lm', vendor: 'copilot', family: 'gpt-4o' }]).routes[0]!;
const REQUEST: ChatRequest = { system: 'Be brief.', messages: [{ role: 'user', parts: [{ type: 'text', text: 'What does parseRoutes do?' }] }] };

type Script = (request: EditorChatRequest) => StreamEvent[] | Error;

/** The editor's models as the router sees them: one model, scripted answers, every request kept. */
function scriptedEditor(options: { models?: EditorModel[]; script?: Script[] } = {}) {
  const model: EditorModel = {
    id: 'gpt-4o', vendor: 'copilot', family: 'gpt-4o', version: '2024-11-20', name: 'GPT-4o', maxInputTokens: 1000,
    countTokens: async (text) => Math.ceil(text.length / 4),
  };
  const models = options.models ?? [model];
  const script = [...(options.script ?? [])];
  const received: EditorChatRequest[] = [];
  const editor: EditorModels = {
    select: async (s) => models.find((m) => (!s.vendor || m.vendor === s.vendor) && (!s.family || m.family === s.family) && (!s.id || m.id === s.id)),
    available: async () => models,
    async *send(_model, request) {
      received.push(request);
      const step = script.shift() ?? (() => [{ type: 'text', text: 'editor answer' }, { type: 'end', stopReason: 'end' }] as StreamEvent[]);
      const events = step(request);
      if (events instanceof Error) throw events;
      yield* events;
    },
  };
  return { editor, received };
}

function router(routes: Route[], editor?: EditorModels) {
  return new Router({
    routes,
    policy: { ...DEFAULT_POLICY, retries: 0, initialDelayMs: 5, maxDelayMs: 10 },
    adapterFor,
    keyFor: async () => 'test-key',
    ...(editor ? { editorModels: editor } : {}),
  });
}

describe('vscode-lm routes: settings', () => {
  it('takes a selector, no URL and no key, and is free unless priced', () => {
    assert.equal(EDITOR.baseUrl, '');
    assert.deepEqual(EDITOR.select, { vendor: 'copilot', family: 'gpt-4o' });
    assert.equal(EDITOR.model, 'gpt-4o');
    assert.deepEqual([EDITOR.inputPricePerMTok, EDITOR.outputPricePerMTok], [0, 0]);
    const priced = parseRoutes([{ id: 'p', tier: 'warm', provider: 'vscode-lm', model: 'claude-x', inputPricePerMTok: 3, outputPricePerMTok: 15 }]).routes[0]!;
    assert.deepEqual(priced.select, { id: 'claude-x' });
    assert.deepEqual([priced.inputPricePerMTok, priced.outputPricePerMTok], [3, 15]);
  });

  it('names each mistake: nothing to select, a URL or key, a selector on an HTTP route', () => {
    const { routes, problems } = parseRoutes([
      { id: 'a', tier: 'hot', provider: 'vscode-lm' },
      { id: 'b', tier: 'hot', provider: 'vscode-lm', family: 'gpt-4o', baseUrl: 'https://evil.test', secret: 'K' },
      { id: 'c', tier: 'hot', provider: 'openai', model: 'gpt-4o', vendor: 'copilot' },
      { id: 'd', tier: 'hot', provider: 'vscode-lm', family: 5 },
    ]);
    assert.deepEqual(routes, []);
    const lines = problems.map(describeRouteProblem);
    assert.match(lines.find((l) => l.includes('"a"'))!, /field "model" or "vendor" or "family" must say which editor model/);
    assert.ok(lines.some((l) => /"b".*field "baseUrl" is not used by "vscode-lm" routes/.test(l)));
    assert.ok(lines.some((l) => /"b".*field "secret" is not used/.test(l)));
    assert.ok(lines.some((l) => /"c".*field "vendor" selects an editor model; it is only for routes with "provider": "vscode-lm"/.test(l)));
    assert.ok(lines.some((l) => /"d".*field "family" must be a non-empty string/.test(l)));
  });
});

describe('vscode-lm routes: messages and errors', () => {
  it('puts the system text in the first user message and keeps tool ids both ways', () => {
    const history: Message[] = [
      { role: 'user', parts: [{ type: 'text', text: 'Read helper.' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'tc1', name: 'read_symbol', arguments: { name: 'helper' }, origin: { provider: 'openai', id: 'call_abc' } }] },
      { role: 'user', parts: [{ type: 'tool_result', callId: 'tc1', name: 'read_symbol', content: 'no such file', isError: true }] },
    ];
    const out = toEditorRequest({ system: 'Use the tools.', messages: history, tools: [{ name: 'read_symbol', description: 'Reads', parameters: { type: 'object' } }] });
    assert.deepEqual(out.messages[0], { role: 'user', parts: [{ type: 'text', text: 'Use the tools.\n\n' }, { type: 'text', text: 'Read helper.' }] });
    // A call made on another provider carries our id; its result answers the same id.
    assert.deepEqual(out.messages[1]!.parts[0], { type: 'tool_call', callId: 'tc1', name: 'read_symbol', input: { name: 'helper' } });
    assert.deepEqual(out.messages[2]!.parts[0], { type: 'tool_result', callId: 'tc1', content: 'Error: no such file' });
    assert.equal(out.tools?.length, 1);
    // A call the editor's model made keeps its own id when sent back to it.
    const own = fromEditorToolCall('editor-call-7', 'read_symbol', { name: 'x' });
    assert.deepEqual(own.origin, { provider: 'vscode-lm', id: 'editor-call-7' });
    const back = toEditorRequest({ messages: [{ role: 'assistant', parts: [own] }, { role: 'user', parts: [{ type: 'tool_result', callId: own.id, name: 'read_symbol', content: 'ok' }] }] });
    assert.equal((back.messages[0]!.parts[0] as { callId: string }).callId, 'editor-call-7');
    assert.equal((back.messages[1]!.parts[0] as { callId: string }).callId, 'editor-call-7');
  });

  it('maps LanguageModelError codes and messages into the taxonomy', () => {
    const kind = (code: string | undefined, message: string) => editorFailure({ ...(code ? { code } : {}), message }, false)?.kind;
    assert.equal(kind('NoPermissions', 'consent declined'), 'auth');
    assert.equal(kind('NotFound', 'model gone'), 'not_found');
    assert.equal(kind('Blocked', 'too many requests'), 'rate_limited');
    assert.equal(kind('Blocked', 'You have reached your monthly quota'), 'quota_exhausted');
    assert.equal(kind(undefined, 'Sorry, you have been rate-limited. Please wait.'), 'rate_limited');
    assert.equal(kind(undefined, 'prompt is too large for this model'), 'context_too_long');
    assert.equal(kind(undefined, 'something broke'), 'server_error');
    assert.equal(editorFailure({ name: 'Canceled', message: 'Canceled' }, true), undefined);
    const consent = editorFailure({ code: 'NoPermissions', message: 'x' }, false)!;
    assert.equal(consent.decision.tripsBreaker, false);
    assert.equal(consent.notSent, true);
  });
});

describe('vscode-lm routes: in the chain', () => {
  let anthropic: FakeProvider;
  before(async () => {
    anthropic = await startFakeProvider('anthropic');
  });
  after(() => anthropic.close());
  const warm = (): Route => ({ id: 'claude', tier: 'warm', provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: anthropic.url, secret: 'K' });

  it('answers from the editor model, streaming, at no cost', async () => {
    const { editor, received } = scriptedEditor();
    const texts: string[] = [];
    const answer = await router([EDITOR], editor).send(REQUEST, { stream: true, onAnswer: (e) => e.type === 'text' && texts.push(e.text) });
    assert.equal(answer.route.id, 'editor');
    assert.deepEqual(texts, ['editor answer']);
    assert.equal(received.length, 1);
    assert.match((received[0]!.messages[0]!.parts[0] as { text: string }).text, /^Be brief\./);
  });

  it('fails over to an HTTP route on each error class, without tripping the breaker on consent', async () => {
    for (const [code, message, outcome] of [['Blocked', 'rate limit', 'rate_limited'], ['NoPermissions', 'no consent', 'auth'], ['NotFound', 'gone', 'not_found']] as const) {
      anthropic.reset();
      anthropic.script({ reply: { text: 'from claude' } });
      const { editor } = scriptedEditor({ script: [() => editorFailure({ code, message }, false) as ProviderError] });
      const answer = await router([EDITOR, warm()], editor).send(REQUEST);
      assert.equal(answer.route.id, 'claude');
      assert.deepEqual(answer.attempts.map((a) => [a.route, a.outcome]), [['editor', outcome], ['claude', 'answered']]);
      assert.equal(anthropic.requests.length, 1);
      assert.equal(anthropic.requests[0]!.rejected, undefined);
    }
  });

  it('continues an editor model\'s tool call on an HTTP provider, which accepts the history', async () => {
    const { editor } = scriptedEditor({ script: [() => [
      { type: 'tool_call', call: fromEditorToolCall('lm-call-1', 'read_symbol', { name: 'helper' }) }, { type: 'end', stopReason: 'tool_calls' },
    ]] });
    const tools = [{ name: 'read_symbol', description: 'Reads a symbol', parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }];
    const first = await router([EDITOR], editor).send({ ...REQUEST, tools });
    const call = first.response.message.parts[0]!;
    assert.equal(call.type, 'tool_call');
    anthropic.reset();
    anthropic.script({ reply: { text: 'helper adds one' } });
    const history: Message[] = [...REQUEST.messages, first.response.message, { role: 'user', parts: [{ type: 'tool_result', callId: (call as { id: string }).id, name: 'read_symbol', content: 'function helper() {}' }] }];
    const second = await router([warm()], undefined).send({ ...REQUEST, tools, messages: history });
    assert.equal(second.route.id, 'claude');
    const body = anthropic.requests[0]!.body as { messages: { content: { type: string; id?: string; tool_use_id?: string }[] }[] };
    assert.equal(anthropic.requests[0]!.rejected, undefined);
    const use = body.messages[1]!.content.find((p) => p.type === 'tool_use')!;
    const result = body.messages[2]!.content.find((p) => p.type === 'tool_result')!;
    assert.equal(use.id, result.tool_use_id);
  });

  it('skips with a clear reason: outside the editor, no such model, over the model\'s input limit', async () => {
    anthropic.reset();
    anthropic.script({ reply: { text: 'a' } }, { reply: { text: 'b' } }, { reply: { text: 'c' } });
    const cli = await router([EDITOR, warm()]).send(REQUEST);
    assert.equal(cli.attempts[0]!.outcome, 'editor-only');
    assert.match(cli.attempts[0]!.message!, /works only inside VS Code/);
    const none = await router([EDITOR, warm()], scriptedEditor({ models: [] }).editor).send(REQUEST);
    assert.equal(none.attempts[0]!.outcome, 'no-model');
    assert.match(none.attempts[0]!.message!, /no editor model matches vendor "copilot", family "gpt-4o"; the editor offers no language models/);
    const { editor, received } = scriptedEditor();
    const big: ChatRequest = { messages: [{ role: 'user', parts: [{ type: 'text', text: 'x'.repeat(8000) }] }] };
    const long = await router([EDITOR, warm()], editor).send(big);
    assert.equal(long.attempts[0]!.outcome, 'context-window');
    assert.match(long.attempts[0]!.message!, /2000 input tokens exceed the model's 1000-token input limit/);
    assert.equal(received.length, 0);
    assert.equal(anthropic.requests.length, 3);
  });
});

describe('vscode-lm routes: usage', () => {
  it('reports the input its own tokenizer counted and the output the model\'s answer was counted at', async () => {
    const { editor } = scriptedEditor({ script: [() => [{ type: 'text', text: 'an answer' }, { type: 'usage', usage: { outputTokens: 3 } }, { type: 'end', stopReason: 'end' }]] });
    const r = router([EDITOR], editor);
    const answer = await r.send(REQUEST);
    const counted = Math.ceil(('Be brief.\n\nWhat does parseRoutes do?').length / 4);
    assert.equal(answer.response.usage?.outputTokens, 3);
    assert.ok(answer.response.usage && answer.response.usage.inputTokens > 0 && Math.abs(answer.response.usage.inputTokens - counted) <= 4, JSON.stringify(answer.response.usage));
    await r.dispose();
  });
});
