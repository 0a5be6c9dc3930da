// The extension end to end in a real VS Code, against fake providers on loopback started in this
// extension host: ask on a symbol, preview, keys in SecretStorage, the status bar as breakers
// open, an invalid route, a refactor proposal, and a trusted workspace's own routes.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AskOutcome } from '../../../src/vscode/askCommand';
import type { PreviewOutcome } from '../../../src/vscode/previewCommand';
import type { StatusView } from '../../../src/vscode/statusModel';
import { startFakeProvider, type FakeProvider } from '../../fakes/index';
import { api, fileIn, screenshot, setUserSetting, STATUS_ITEM, testPolicy, waitFor } from './support';

const KEY = `sk-host-test-${'k3y'.repeat(8)}`;
let openai: FakeProvider;
let anthropic: FakeProvider;

interface Status { statusBar: StatusView; settingsProblems: string[]; routes: string[] }
const status = () => vscode.commands.executeCommand<Status>('contextGateway.showStatus', { quiet: true });
const ask = (args: Record<string, unknown>) => vscode.commands.executeCommand<AskOutcome>('contextGateway.askAboutSymbol', args);

function routes(extra: object[] = []) {
  return [
    { id: 'openai-main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'OPENAI_API_KEY', maxOutputTokens: 512 },
    { id: 'claude-backup', tier: 'warm', provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: anthropic.url, secret: 'ANTHROPIC_API_KEY', maxOutputTokens: 512 },
    ...extra,
  ];
}

describe('Context Gateway in VS Code', function () {
  this.timeout(120_000);

  before(async () => {
    openai = await startFakeProvider('openai', { key: KEY });
    anthropic = await startFakeProvider('anthropic', { key: KEY });
    await api();
    await testPolicy(2);
    await setUserSetting('routes', routes());
  });

  after(async () => {
    await openai.close();
    await anthropic.close();
  });

  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  it('stores keys in SecretStorage only: read back by the chain, never in settings or the log', async () => {
    assert.equal(await vscode.commands.executeCommand('contextGateway.setApiKey', { secret: 'OPENAI_API_KEY', key: KEY }), true);
    assert.equal(await vscode.commands.executeCommand('contextGateway.setApiKey', { secret: 'ANTHROPIC_API_KEY', key: KEY }), true);
    openai.script({ reply: { text: 'key check' } });
    const outcome = await ask({ uri: fileIn('src/money.ts').toString(), symbol: 'roundCents', task: 'explain' });
    assert.equal(outcome.status, 'answered', JSON.stringify(outcome));
    assert.equal(openai.requests[0]?.headers.authorization, `Bearer ${KEY}`, 'the key read back from SecretStorage reached the provider');
    const configuration = vscode.workspace.getConfiguration('contextGateway');
    const everySetting = JSON.stringify(Object.keys(configuration).map((k) => configuration.inspect(k)));
    assert.ok(!JSON.stringify(configuration).includes(KEY) && !everySetting.includes(KEY), 'the key is not in any setting');
    const log = (await api()).recentLog().join('\n');
    assert.ok(log.length > 0, 'the log has lines');
    assert.ok(!log.includes(KEY), 'the key is not in the log');
    assert.ok(!log.includes('Math.round(x * 100)'), 'payload text is not in the log');
  });

  it('answers Ask About Symbol with the fake\'s reply; the payload has the target and not the denied files', async () => {
    openai.script({ reply: { text: 'orderTotal sums the items, adds tax and rounds to cents.' } });
    const outcome = await ask({ uri: fileIn('src/prices.ts').toString(), symbol: 'orderTotal', task: 'explain' });
    assert.equal(outcome.status, 'answered', JSON.stringify(outcome));
    assert.equal(outcome.routeId, 'openai-main');
    assert.equal(outcome.text, 'orderTotal sums the items, adds tax and rounds to cents.');
    const sent = openai.requests[0]!.rawBody;
    assert.ok(sent.includes('export function orderTotal'), 'the target was sent');
    assert.ok(sent.includes('roundCents'), 'its imported signature was sent');
    assert.ok(!sent.includes('INTERNAL-AUDIT-MARKER') && !sent.includes('negative total'), 'the .contextignore\'d file was not sent');
    assert.ok(!sent.includes('DENIED-ENV-MARKER'), '.env was not sent');
    assert.ok(!sent.includes('applyDiscount'), 'unrelated code in the same file was not sent');
    // The answer document follows the stream; the last update reaches VS Code a moment later.
    const answer = await vscode.workspace.openTextDocument(vscode.Uri.parse(outcome.answerUri!));
    await waitFor('the answer document to show the answer', () => /answered by `openai-main`/.test(answer.getText()), 5_000);
    assert.match(answer.getText(), /orderTotal sums the items/);
  });

  it('previews the exact payload in its own language, with a summary and nothing sent', async () => {
    const preview = await vscode.commands.executeCommand<PreviewOutcome>('contextGateway.previewContext', { uri: fileIn('src/prices.ts').toString(), symbol: 'orderTotal' });
    assert.equal(preview.languageId, 'context-payload');
    assert.match(preview.text, /^#> Context Gateway payload preview: function orderTotal \(src\/prices\.ts:4-10\)/);
    assert.match(preview.text, /#>   excluded  src\/internal\/audit\.ts {2}by "src\/internal\/" \(\.contextignore line 2\)/);
    assert.match(preview.text, /\/\/ ==== target: function orderTotal/);
    assert.ok(preview.tokens > 0 && preview.tokens < preview.wholeFileTokens + 200);
    assert.equal(openai.requests.length + anthropic.requests.length, 0, 'a preview sends nothing');
    await screenshot('payload-preview', { text: '==== target: function orderTotal' });
  });

  it('answers on a Python method by its cursor position', async () => {
    anthropic.script({ reply: { text: 'area is pi r squared.' } });
    openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    const outcome = await ask({ uri: fileIn('src/shapes.py').toString(), line: 11, column: 9, task: 'explain' });
    assert.equal(outcome.status, 'answered', JSON.stringify(outcome));
    assert.equal(outcome.routeId, 'claude-backup');
    assert.match(anthropic.requests[0]!.rawBody, /def area\(self\) -> float/);
  });

  it('shows the failover in the status bar: warm route, then an open breaker', async () => {
    openai.script({ reply: { text: 'from the hot route' } });
    assert.equal((await ask({ uri: fileIn('src/money.ts').toString(), symbol: 'roundCents', task: 'explain' })).routeId, 'openai-main');
    const before = await waitFor('the hot state', async () => {
      const view = (await status()).statusBar;
      return view.state === 'hot' ? view : undefined;
    });
    assert.match(before.text, /openai-main/);
    assert.equal(before.background, undefined);
    openai.reset();
    openai.script({ fault: { type: 'http', failure: 'server_error' } }, { fault: { type: 'http', failure: 'server_error' } });
    anthropic.script({ reply: { text: 'from the warm route' } }, { reply: { text: 'again from the warm route' } });
    for (let i = 0; i < 2; i++) {
      const outcome = await ask({ uri: fileIn('src/money.ts').toString(), symbol: 'roundCents', task: 'bugs' });
      assert.equal(outcome.routeId, 'claude-backup');
    }
    const after = await waitFor('the status bar to show the open breaker', async () => {
      const view = (await status()).statusBar;
      return view.tooltip.includes('| openai-main | hot | openai gpt-4o-mini | open |') ? view : undefined;
    });
    assert.notEqual(after.text, before.text);
    assert.equal(after.state, 'warm');
    assert.equal(after.background, 'warning');
    assert.match(after.text, /claude-backup/);
    assert.match(after.tooltip, /command:contextGateway\.resetBreaker/);
    // The open breaker skips the dead route without a request.
    anthropic.script({ reply: { text: 'skipped the open breaker' } });
    await ask({ uri: fileIn('src/money.ts').toString(), symbol: 'roundCents', task: 'tests' });
    assert.equal(openai.requests.length, 2);
    await vscode.commands.executeCommand('contextGateway.resetBreaker', 'openai-main');
    const reset = await waitFor('the breaker to close', async () => {
      const view = (await status()).statusBar;
      return view.tooltip.includes('| openai-main | hot | openai gpt-4o-mini | closed |') ? view : undefined;
    });
    assert.ok(reset);
  });

  it('reports an invalid route by name and field, and the other routes keep working', async () => {
    await setUserSetting('routes', routes([{ id: 'broken', tier: 'lukewarm', provider: 'openai', model: 'gpt-4o' }]));
    const report = await waitFor('the settings problem', async () => {
      const s = await status();
      return s.settingsProblems.length ? s : undefined;
    });
    assert.deepEqual(report.routes, ['openai-main', 'claude-backup']);
    assert.ok(report.settingsProblems.some((p) => p.includes('Route "broken" (routes[2]): field "tier" is "lukewarm"; allowed: "hot", "warm".')), report.settingsProblems.join('\n'));
    openai.script({ reply: { text: 'still working' } });
    const outcome = await ask({ uri: fileIn('src/money.ts').toString(), symbol: 'roundCents', task: 'explain' });
    assert.equal(outcome.text, 'still working', JSON.stringify({ outcome, requests: openai.requests.map((r) => [r.path, r.step, r.rejected]) }));
    await setUserSetting('routes', routes());
  });

  it('opens a refactor proposal as a diff and writes nothing until it is applied', async () => {
    const newText = 'export function roundCents(x: number): number {\n  return Math.round((x + Number.EPSILON) * 100) / 100;\n}';
    openai.script(
      { reply: { toolCalls: [{ name: 'propose_edit', arguments: { symbol: 'roundCents', new_text: newText } }] } },
      { reply: { text: 'Rounding now handles 1.005.' } },
    );
    const file = fileIn('src/money.ts');
    const original = (await vscode.workspace.openTextDocument(file)).getText();
    const outcome = await ask({ uri: file.toString(), symbol: 'roundCents', task: 'refactor', askToApply: false });
    assert.equal(outcome.proposalIds.length, 1, JSON.stringify({ outcome, requests: openai.requests.map((r) => [r.path, r.step, r.rejected]) }));
    assert.equal((await vscode.workspace.openTextDocument(file)).getText(), original, 'nothing written before the user applies it');
    const diffTab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.label.includes('roundCents: proposed edit'));
    assert.ok(diffTab, 'the proposal is open as a diff');
    assert.equal(await vscode.commands.executeCommand('contextGateway.applyProposal', outcome.proposalIds[0]), true);
    const after = (await vscode.workspace.openTextDocument(file)).getText();
    assert.ok(after.includes('Number.EPSILON'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('asks from the active editor at the cursor, streaming into a Markdown preview beside it (screenshots)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const editor = await vscode.window.showTextDocument(fileIn('src/prices.ts'), { viewColumn: vscode.ViewColumn.One });
    editor.selection = new vscode.Selection(6, 10, 6, 10); // inside orderTotal's body
    openai.script({ fault: { type: 'http', failure: 'rate_limited', retryAfter: 120 } });
    anthropic.script({ reply: { text: [
      '`orderTotal` adds up `price * qty` over the items, applies the tax rate, and rounds to cents with `roundCents`.',
      '',
      '```ts',
      'orderTotal([{ price: 9.99, qty: 3 }], 0.2); // 35.96',
      '```',
      '',
      'It also hands the total to `auditTotal`, whose code was not sent (it is in `.contextignore`).',
    ].join('\n') } });
    const outcome = await ask({ task: 'explain' });
    assert.equal(outcome.status, 'answered', JSON.stringify(outcome));
    assert.equal(outcome.routeId, 'claude-backup');
    assert.match(anthropic.requests[0]!.rawBody, /export function orderTotal/, 'the cursor selected orderTotal');
    await waitFor('the answer preview', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label.includes('explain-orderTotal')));
    await screenshot('answer-view', { text: 'adds up price * qty over the items' });
    const view = (await status()).statusBar;
    assert.equal(view.state, 'warm');
    await screenshot('status-bar-tooltip', { hover: STATUS_ITEM });
  });

  it('takes routes from a trusted workspace\'s own settings', async () => {
    assert.equal(vscode.workspace.isTrusted, true);
    await setUserSetting('routes', [
      { id: 'workspace-route', tier: 'hot', provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: anthropic.url, secret: 'ANTHROPIC_API_KEY' },
    ], vscode.ConfigurationTarget.Workspace);
    const report = await waitFor('the workspace route', async () => {
      const s = await status();
      return s.routes.includes('workspace-route') ? s : undefined;
    });
    assert.deepEqual(report.routes, ['workspace-route']);
    anthropic.script({ reply: { text: 'from the workspace route' } });
    const outcome = await ask({ uri: fileIn('src/money.ts').toString(), symbol: 'roundCents', task: 'explain' });
    assert.equal(outcome.routeId, 'workspace-route');
    await vscode.workspace.getConfiguration('contextGateway').update('routes', undefined, vscode.ConfigurationTarget.Workspace);
  });
});
