// Our extraction as Language Model tools, invoked the way any agent in the editor invokes them:
// through `vscode.lm.invokeTool`. They answer one symbol with what it needs, refuse denied files,
// and honour both the user's token budget and the calling agent's.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, fileIn, setUserSetting } from './support';

const TOOLS = ['contextgateway_read_symbol', 'contextgateway_list_symbols', 'contextgateway_symbol_payload'];

/** Invokes a tool outside any chat request, as another extension's agent loop would. */
async function invoke(name: string, input: object, tokenBudget?: number): Promise<string> {
  const result = await vscode.lm.invokeTool(name, {
    input,
    toolInvocationToken: undefined,
    ...(tokenBudget ? { tokenizationOptions: { tokenBudget, countTokens: async (text: string) => Math.ceil(text.length / 4) } } : {}),
  });
  return result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : JSON.stringify(part))).join('');
}

describe('Language Model tools for any agent', function () {
  this.timeout(60_000);

  before(async () => {
    await api();
    await setUserSetting('context.maxTokens', 8_000);
  });
  after(() => setUserSetting('context.maxTokens', undefined));

  it('are declared in the manifest VS Code loaded, each with a schema and a # reference name', () => {
    // Registration itself is shown by the invocations below: invokeTool reaches a tool only
    // through the editor's tool service. (This headless host's vscode.lm.tools list shows only
    // built-in tools, so it is not what is checked here.)
    const declared = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { languageModelTools: Array<{ name: string; toolReferenceName: string; inputSchema: { type: string } }> } }).contributes.languageModelTools;
    assert.deepEqual(declared.map((t) => t.name).sort(), [...TOOLS].sort());
    for (const tool of declared) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.match(tool.toolReferenceName, /^[a-z][A-Za-z]+$/, tool.name);
    }
  });

  it('symbol_payload answers one method of a large file with a fraction of its tokens (prints the figure)', async () => {
    // A large real file: the router of this extension, copied into the workspace.
    const source = vscode.Uri.joinPath(vscode.Uri.file(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath), 'src', 'gateway', 'routing', 'router.ts');
    const copy = fileIn('src/large/router.ts');
    await vscode.workspace.fs.copy(source, copy, { overwrite: true });
    const text = await invoke('contextgateway_symbol_payload', { file: 'src/large/router.ts', symbol: 'Router.resetBreaker' });
    const figures = /\((src\/large\/router\.ts):(\d+)-(\d+)\): (\d+) tokens instead of (\d+) for the whole file/.exec(text);
    assert.ok(figures, text.slice(0, 300));
    const [sent, whole] = [Number(figures[4]), Number(figures[5])];
    console.log(`[figure] symbol_payload via vscode.lm.invokeTool: Router.resetBreaker of router.ts = ${sent} tokens vs ${whole} for the whole file (${(whole / sent).toFixed(1)}x fewer)`);
    assert.ok(whole > 4_000, `the file is large (${whole} tokens)`);
    // The method and its class's outline: the outline grows with the class, so the bound is loose.
    assert.ok(sent * 5 < whole, `one method is a small fraction: ${sent} of ${whole}`);
    assert.match(text, /resetBreaker\(routeId: string\)/);
    assert.doesNotMatch(text, /private async callOnce\(route: Route, call: Call, prefix: string, signal: AbortSignal\): Promise<ChatResponse> \{\n/, 'other methods\' bodies are not there');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(copy, '..'), { recursive: true });
  });

  it('read_symbol and list_symbols answer through the same pipeline', async () => {
    const read = await invoke('contextgateway_read_symbol', { name: 'roundCents', file: 'src/money.ts' });
    assert.match(read, /export function roundCents/);
    const listed = await invoke('contextgateway_list_symbols', { file: 'src/prices.ts' });
    assert.match(listed, /^orderTotal \(function, lines \d+-\d+\)$/m);
    assert.doesNotMatch(listed, /reduce\(/, 'a listing carries no code');
  });

  it('refuses a denied file: .env by default, and what .contextignore lists', async () => {
    await assert.rejects(invoke('contextgateway_symbol_payload', { file: '.env', line: 1 }), (e: Error) => /\.env/.test(e.message) && /denied|excluded/i.test(e.message));
    await assert.rejects(invoke('contextgateway_read_symbol', { name: 'auditTotal', file: 'src/internal/audit.ts' }), (e: Error) => /src\/internal\/audit\.ts/.test(e.message) && /\.contextignore|denied|excluded/i.test(e.message));
    await assert.rejects(invoke('contextgateway_list_symbols', { file: 'src/internal/audit.ts' }), /denied|excluded/i);
    await assert.rejects(invoke('contextgateway_symbol_payload', { file: '/etc/hostname', line: 1 }), /outside the open workspace folders/);
  });

  it('honours the calling agent\'s token budget when it is below the user\'s', async () => {
    const full = await invoke('contextgateway_symbol_payload', { file: 'src/prices.ts', symbol: 'orderTotal' });
    assert.match(full, /export function orderTotal/);
    await assert.rejects(invoke('contextgateway_symbol_payload', { file: 'src/prices.ts', symbol: 'orderTotal' }, 20), /budget/i);
  });
});
