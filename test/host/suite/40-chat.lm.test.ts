// The @contextgateway chat participant in a real VS Code (the "lm" suite: chat features on),
// driven through its handler with a stream that records what the chat would show, against fake
// providers on loopback: the payload summary, the spans sent, routes and failovers as progress,
// the answer, refactor proposals, unknown symbols, cancellation, the queue and missing routes.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startFakeProvider, type FakeProvider } from '../../fakes/index';
import { api, fileIn, setUserSetting, testPolicy, waitFor } from './support';

const KEY = `sk-chat-test-${'k3y'.repeat(8)}`;
let openai: FakeProvider;
let anthropic: FakeProvider;

function routes() {
  return [
    { id: 'openai-main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'OPENAI_API_KEY', maxOutputTokens: 512 },
    { id: 'claude-backup', tier: 'warm', provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: anthropic.url, secret: 'ANTHROPIC_API_KEY', maxOutputTokens: 512 },
  ];
}

/** Every part the handler streamed, in order, as the chat view would receive it. */
class RecordingStream {
  readonly parts: Array<{ kind: string; value: unknown }> = [];
  private add(kind: string, value: unknown) {
    this.parts.push({ kind, value });
  }
  markdown(value: string | vscode.MarkdownString) { this.add('markdown', typeof value === 'string' ? value : value.value); }
  anchor(value: vscode.Uri | vscode.Location, title?: string) { this.add('anchor', { value, title }); }
  button(command: vscode.Command) { this.add('button', command); }
  filetree(value: vscode.ChatResponseFileTree[], baseUri: vscode.Uri) { this.add('filetree', { value, baseUri }); }
  progress(value: string) { this.add('progress', value); }
  reference(value: vscode.Uri | vscode.Location) { this.add('reference', value); }
  push(part: vscode.ChatResponsePart) { this.add('push', part); }
  of(kind: string): unknown[] { return this.parts.filter((p) => p.kind === kind).map((p) => p.value); }
  get text(): string { return (this.of('markdown') as string[]).join(''); }
  get progressLines(): string[] { return this.of('progress') as string[]; }
  get buttons(): vscode.Command[] { return this.of('button') as vscode.Command[]; }
  get references(): vscode.Location[] { return this.of('reference') as vscode.Location[]; }
}

interface Turn { prompt: string; command?: string; references?: vscode.ChatPromptReference[]; token?: vscode.CancellationToken }
interface Outcome { stream: RecordingStream; result: vscode.ChatResult & { metadata?: Record<string, unknown> } }

/** One chat turn through the participant's handler, as VS Code would make it. */
async function chat(turn: Turn, stream = new RecordingStream()): Promise<Outcome> {
  const request = {
    prompt: turn.prompt, command: turn.command, references: turn.references ?? [], toolReferences: [],
    toolInvocationToken: undefined, model: undefined,
  } as unknown as vscode.ChatRequest;
  const context = { history: [] } as unknown as vscode.ChatContext;
  const tokens = new vscode.CancellationTokenSource();
  const result = await (await api()).chatHandler()(request, context, stream as unknown as vscode.ChatResponseStream, turn.token ?? tokens.token);
  tokens.dispose();
  return { stream, result: (result ?? {}) as Outcome['result'] };
}

const fileRef = (relative: string): vscode.ChatPromptReference => ({ id: 'vscode.file', value: fileIn(relative) });
const sentTo = (fake: FakeProvider) => fake.requests.map((r) => r.rawBody).join('\n');

describe('@contextgateway in the Chat view', function () {
  this.timeout(60_000);

  before(async () => {
    openai = await startFakeProvider('openai', { key: KEY });
    anthropic = await startFakeProvider('anthropic', { key: KEY });
    await api();
    // Failures on purpose below must not open a breaker for the tests after them.
    await testPolicy(50);
    await setUserSetting('routes', routes());
    assert.equal(await vscode.commands.executeCommand('contextGateway.setApiKey', { secret: 'OPENAI_API_KEY', key: KEY }), true);
    assert.equal(await vscode.commands.executeCommand('contextGateway.setApiKey', { secret: 'ANTHROPIC_API_KEY', key: KEY }), true);
    await waitFor('the routes', async () => (await vscode.commands.executeCommand<{ routes: string[] }>('contextGateway.showStatus', { quiet: true })).routes.length === 2);
  });

  after(async () => {
    await openai.close();
    await anthropic.close();
  });

  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  it('registers the participant from package.json', () => {
    const participants = vscode.extensions.getExtension('context-gateway.context-gateway')!.packageJSON.contributes.chatParticipants as Array<{ id: string; name: string; commands: Array<{ name: string }> }>;
    assert.deepEqual(participants.map((p) => [p.id, p.name]), [['context-gateway.chat', 'contextgateway']]);
    assert.deepEqual(participants[0]!.commands.map((c) => c.name), ['explain', 'bugs', 'tests', 'refactor']);
  });

  it('/explain orderTotal #file: streams the answer after a payload summary, with the spans sent, the route and a preview button', async () => {
    openai.script({ reply: { text: 'orderTotal sums the items, adds tax and rounds to cents.', chunkSize: 10 } });
    const { stream, result } = await chat({ command: 'explain', prompt: 'orderTotal', references: [fileRef('src/prices.ts')] });
    assert.equal(result.errorDetails, undefined, stream.text);
    assert.deepEqual({ status: result.metadata?.status, routeId: result.metadata?.routeId }, { status: 'answered', routeId: 'openai-main' });

    const markdown = stream.of('markdown') as string[];
    assert.match(markdown[0]!, /^Sending `orderTotal` \(src\/prices\.ts:4-10\): [\d,]+ tokens instead of [\d,]+ for the whole file/);
    assert.ok(markdown.length > 3, `the answer arrives in chunks (${markdown.length} markdown parts)`);
    assert.ok(stream.text.includes('orderTotal sums the items, adds tax and rounds to cents.'), stream.text);
    assert.match(stream.text, /Answered by `openai-main` \(openai gpt-4o-mini\)/);
    assert.ok(stream.progressLines.includes('Asking openai-main (hot)…'), stream.progressLines.join('\n'));

    const target = stream.references[0]!;
    assert.ok(target instanceof vscode.Location, 'the target is referenced as a location');
    assert.equal(target.uri.toString(), fileIn('src/prices.ts').toString());
    assert.deepEqual([target.range.start.line, target.range.end.line], [3, 9], 'the target span, lines 4-10');
    assert.ok(stream.references.some((r) => r.uri.toString() === fileIn('src/money.ts').toString()), 'the imported signature of roundCents is referenced too');
    assert.ok(!stream.references.some((r) => r.uri.fsPath.includes('internal')), 'the denied file is not referenced');

    const preview = stream.buttons.find((b) => b.command === 'contextGateway.previewContext');
    assert.deepEqual(preview?.arguments, [{ uri: fileIn('src/prices.ts').toString(), symbol: 'orderTotal' }]);

    const sent = sentTo(openai);
    assert.ok(sent.includes('export function orderTotal'), 'the target was sent');
    assert.ok(sent.includes('roundCents'), 'its imported signature was sent');
    assert.ok(!sent.includes('INTERNAL-AUDIT-MARKER') && !sent.includes('negative total'), 'the .contextignore\'d file was not sent');
    assert.ok(!sent.includes('DENIED-ENV-MARKER'), '.env was not sent');
    assert.ok(!sent.includes('applyDiscount'), 'unrelated code in the same file was not sent');
  });

  it('/bugs on a #selection: fails over from a 503 to the warm route and says so', async () => {
    openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    anthropic.script({ reply: { text: 'No bugs: the total is rounded once.' } });
    const document = await vscode.workspace.openTextDocument(fileIn('src/prices.ts'));
    const at = document.getText().indexOf('orderTotal');
    const selection = new vscode.Location(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + 'orderTotal'.length)));
    const { stream, result } = await chat({ command: 'bugs', prompt: '#selection', references: [{ id: 'vscode.selection', range: [0, 10], value: selection }] });
    assert.equal(result.metadata?.status, 'answered', stream.text);
    assert.equal(result.metadata?.routeId, 'claude-backup');
    assert.equal(openai.requests[0]?.step?.fault?.type, 'http', 'the hot route was tried first');
    assert.ok(stream.progressLines.some((l) => /^openai-main failed \(overloaded\); failing over to claude-backup$/.test(l)), stream.progressLines.join('\n'));
    assert.ok(stream.progressLines.includes('Asking claude-backup (warm)…'));
    assert.match(stream.text, /No bugs: the total is rounded once\./);
    assert.match(stream.text, /Answered by `claude-backup` \(anthropic claude-sonnet-4-5\)/);
    assert.match(sentTo(anthropic), /export function orderTotal/, 'the selected name chose orderTotal');
  });

  it('free text at the cursor: a custom instruction on the symbol under the cursor, the instruction sent', async () => {
    const editor = await vscode.window.showTextDocument(fileIn('src/prices.ts'));
    editor.selection = new vscode.Selection(6, 10, 6, 10); // inside orderTotal's body
    openai.script({ reply: { text: 'Because cents must not drift.' } });
    const { stream, result } = await chat({ prompt: 'why is the total rounded before the audit?' });
    assert.equal(result.metadata?.status, 'answered', stream.text);
    assert.equal(result.metadata?.symbol, 'orderTotal');
    const sent = sentTo(openai);
    assert.ok(sent.includes('why is the total rounded before the audit?'), 'the prompt went as the instruction');
    assert.ok(sent.includes('export function orderTotal'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('"/explain this" means the symbol at the cursor, not a symbol named "this"', async () => {
    const editor = await vscode.window.showTextDocument(fileIn('src/prices.ts'));
    editor.selection = new vscode.Selection(6, 10, 6, 10); // inside orderTotal's body
    openai.script({ reply: { text: 'It totals an order.' } });
    const { stream, result } = await chat({ command: 'explain', prompt: 'this' });
    assert.equal(result.metadata?.status, 'answered', stream.text);
    assert.equal(result.metadata?.symbol, 'orderTotal');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('an unknown symbol: a clear message in the chat and errorDetails, nothing sent', async () => {
    const { stream, result } = await chat({ command: 'explain', prompt: 'orderTotl', references: [fileRef('src/prices.ts')] });
    assert.equal(result.metadata?.status, 'failed');
    assert.ok(result.errorDetails?.message.includes('orderTotl'), JSON.stringify(result.errorDetails));
    assert.match(stream.text, /^Nothing was sent: .*orderTotl/);
    assert.equal(openai.requests.length + anthropic.requests.length, 0);
  });

  it('a bare #file asks which symbol, naming the file\'s symbols', async () => {
    const { stream, result } = await chat({ command: 'tests', prompt: '', references: [fileRef('src/prices.ts')] });
    assert.equal(result.metadata?.status, 'no-target');
    assert.ok(result.errorDetails);
    assert.match(stream.text, /Which symbol of src\/prices\.ts\?.*`orderTotal`, `applyDiscount`/);
    assert.equal(openai.requests.length, 0);
  });

  it('/refactor opens the proposal as a diff, with Apply and Discard; nothing is written until applied', async () => {
    const newText = 'export function roundCents(x: number): number {\n  return Math.round((x + Number.EPSILON) * 100) / 100;\n}';
    openai.script(
      { reply: { toolCalls: [{ name: 'read_symbol', arguments: { name: 'roundCents' } }] } },
      { reply: { toolCalls: [{ name: 'propose_edit', arguments: { symbol: 'roundCents', new_text: newText } }] } },
      { reply: { text: 'Rounding now handles 1.005.' } },
    );
    const file = fileIn('src/money.ts');
    const original = (await vscode.workspace.openTextDocument(file)).getText();
    const { stream, result } = await chat({ command: 'refactor', prompt: 'roundCents', references: [fileRef('src/money.ts')] });
    const ids = result.metadata?.proposalIds as string[];
    assert.equal(ids?.length, 1, stream.text);
    assert.ok(stream.progressLines.includes('read_symbol roundCents'), stream.progressLines.join('\n'));
    assert.ok(stream.progressLines.some((l) => l.startsWith('propose_edit roundCents')), stream.progressLines.join('\n'));
    assert.match(stream.text, /Proposed an edit to `roundCents` \(src\/money\.ts\)/);
    assert.deepEqual(stream.buttons.filter((b) => b.command.endsWith('Proposal')).map((b) => [b.command, b.arguments]), [
      ['contextGateway.applyProposal', [ids[0]]], ['contextGateway.discardProposal', [ids[0]]],
    ]);
    const diffTab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.label.includes('roundCents: proposed edit'));
    assert.ok(diffTab, 'the proposal is open as a diff');
    assert.equal((await vscode.workspace.openTextDocument(file)).getText(), original, 'nothing written before the user applies it');
    assert.equal(await vscode.commands.executeCommand('contextGateway.discardProposal', ids[0]), true);
    assert.equal(await vscode.commands.executeCommand('contextGateway.applyProposal', ids[0]), false, 'a discarded proposal cannot be applied');
    assert.equal((await vscode.workspace.openTextDocument(file)).getText(), original);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('cancelling the chat request aborts the call in flight: "Cancelled; nothing more was sent."', async () => {
    openai.script({ fault: { type: 'hang' } });
    const tokens = new vscode.CancellationTokenSource();
    const stream = new RecordingStream();
    const pending = chat({ command: 'explain', prompt: 'roundCents', references: [fileRef('src/money.ts')], token: tokens.token }, stream);
    await waitFor('the request to reach the fake', () => openai.requests.length > 0);
    tokens.cancel();
    const { result } = await pending;
    assert.equal(result.metadata?.status, 'cancelled', stream.text);
    assert.match(stream.text, /Cancelled; nothing more was sent\.$/);
    assert.equal((await openai.whenClosed(0)).aborted, true, 'the call in flight was aborted');
    assert.equal(anthropic.requests.length, 0, 'nothing more was sent');
    tokens.dispose();
  });

  it('every route failing for now: queued, and the chat names the queue id', async () => {
    openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    anthropic.script({ fault: { type: 'http', failure: 'overloaded' } });
    const { stream, result } = await chat({ command: 'explain', prompt: 'applyDiscount', references: [fileRef('src/prices.ts')] });
    assert.equal(result.metadata?.status, 'queued', stream.text);
    const id = result.metadata?.queueId as string;
    assert.ok(id);
    assert.ok(stream.text.includes(`Queued as \`${id}\`: `), stream.text);
    assert.match(stream.text, /The answer will arrive as a notification\./);
    assert.equal(result.errorDetails, undefined, 'queued is not an error');
  });

  it('no route configured: says how to add one, with a button to the setting', async () => {
    await setUserSetting('routes', []);
    await waitFor('no routes', async () => (await vscode.commands.executeCommand<{ routes: string[] }>('contextGateway.showStatus', { quiet: true })).routes.length === 0);
    const { stream, result } = await chat({ command: 'explain', prompt: 'orderTotal', references: [fileRef('src/prices.ts')] });
    assert.equal(result.metadata?.status, 'no-route');
    assert.ok(result.errorDetails);
    assert.match(stream.text, /contextGateway\.routes/);
    assert.deepEqual(stream.buttons.map((b) => [b.command, b.arguments]), [['workbench.action.openSettings', ['contextGateway.routes']]]);
    await setUserSetting('routes', routes());
  });
});
