// The tools other agents call: one symbol instead of a file, denied files and secrets kept out,
// the budget honoured, bad calls answered with what to change; and the manifest declares them
// exactly as the code defines them, so what agents are told is what the tools accept.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_TOOLS, PublicToolError, runPublicTool, type PublicToolContext } from '../../src/agent/publicTools';
import { ContextEngine } from '../../src/context/index';
import { ASSETS_DIR, REPO_ROOT } from './assets';
import { workspace, type Workspace } from './workspaceFixture';

// Assembled at run time so the repository holds nothing that looks like a key.
const KEY = ['sk', 'live', 'Z3x8Tq2LmN4pR8vW1yB3cD5fG6hJ0kA'].join('-');
const FILLER = Array.from({ length: 40 }, (_, i) => `export function filler${i}(n: number): number {\n  return n * ${i} + ${i};\n}\n`).join('\n');

const FILES: Record<string, string> = {
  'src/prices.ts': [
    "import { roundCents } from './money';",
    '',
    'export function orderTotal(items: { price: number; qty: number }[], tax: number): number {',
    '  const sum = items.reduce((s, i) => s + i.price * i.qty, 0);',
    '  return roundCents(sum * (1 + tax));',
    '}',
    '',
    FILLER,
  ].join('\n'),
  'src/money.ts': 'export function roundCents(x: number): number {\n  return Math.round(x * 100) / 100;\n}\n',
  'src/config.ts': `export function apiKey(): string {\n  return '${KEY}';\n}\n`,
  '.env': `OPENAI_API_KEY=${KEY}\n`,
  'secrets/vault.ts': 'export function vault(): string {\n  return "VAULT-BODY";\n}\n',
};

describe('public tools', () => {
  let ws: Workspace;
  let engine: ContextEngine;
  let context: PublicToolContext;

  before(async () => {
    ws = await workspace(FILES);
    engine = new ContextEngine({ assetsDir: ASSETS_DIR });
    context = { engine, root: ws.root, exclude: ['secrets/**'], encoding: 'o200k_base', factor: 1, maxTokens: 4_000 };
  });
  after(async () => {
    engine.dispose();
    await ws.remove();
  });

  it('symbol_payload answers one symbol and the signature it uses, far smaller than the file', async () => {
    const text = await runPublicTool('symbol_payload', { file: 'src/prices.ts', symbol: 'orderTotal' }, context);
    assert.match(text, /^Context for function orderTotal \(src\/prices\.ts:3-6\): (\d+) tokens instead of (\d+) for the whole file\./);
    const [, sent, whole] = /: (\d+) tokens instead of (\d+)/.exec(text)!.map(Number);
    assert.ok(sent! * 3 < whole!, `payload ${sent} tokens vs file ${whole}`);
    assert.match(text, /export function orderTotal/);
    assert.match(text, /roundCents\(x: number\): number/, 'the imported signature is there');
    assert.doesNotMatch(text, /filler7/, 'the rest of the file is not');
  });

  it('symbol_payload by line, and read_symbol by name, follow the same rules', async () => {
    const byLine = await runPublicTool('symbol_payload', { file: 'src/prices.ts', line: 4 }, context);
    assert.match(byLine, /function orderTotal/);
    const read = await runPublicTool('read_symbol', { name: 'roundCents', file: 'src/money.ts' }, context);
    assert.match(read, /Math\.round\(x \* 100\)/);
    const followed = await runPublicTool('read_symbol', { name: 'roundCents' }, { ...context, defaultFile: ws.path('src/prices.ts') });
    assert.match(followed, /Math\.round\(x \* 100\)/, 'a name imported by the open file is found where it is defined');
  });

  it('list_symbols lists the definitions without their code', async () => {
    const text = await runPublicTool('list_symbols', { file: 'src/prices.ts' }, context);
    assert.match(text, /^orderTotal \(function, lines 3-6\)$/m);
    assert.match(text, /^filler39 \(function, lines \d+-\d+\)$/m);
    assert.doesNotMatch(text, /reduce/);
  });

  it('refuses denied files, by default and by the user\'s globs, and redacts secrets', async () => {
    await assert.rejects(runPublicTool('symbol_payload', { file: '.env', line: 1 }, context), (e: unknown) => e instanceof PublicToolError && /\.env/.test(e.message) && /denied|excluded/i.test(e.message));
    await assert.rejects(runPublicTool('read_symbol', { name: 'vault', file: 'secrets/vault.ts' }, context), (e: unknown) => e instanceof PublicToolError && /secrets\/vault\.ts/.test(e.message));
    await assert.rejects(runPublicTool('list_symbols', { file: 'secrets/vault.ts' }, context), PublicToolError);
    const redacted = await runPublicTool('symbol_payload', { file: 'src/config.ts', symbol: 'apiKey' }, context);
    assert.ok(!redacted.includes(KEY), 'the key is redacted');
  });

  it('honours the budget: a symbol over it is refused, never cut', async () => {
    await assert.rejects(runPublicTool('symbol_payload', { file: 'src/prices.ts', symbol: 'orderTotal' }, { ...context, maxTokens: 20 }), (e: unknown) => e instanceof PublicToolError && /budget/i.test(e.message));
    await assert.rejects(runPublicTool('read_symbol', { name: 'orderTotal', file: 'src/prices.ts' }, { ...context, maxTokens: 20 }), (e: unknown) => e instanceof PublicToolError && /budget/i.test(e.message));
  });

  it('answers a bad call with what to change', async () => {
    await assert.rejects(runPublicTool('symbol_payload', { file: 'src/prices.ts' }, context), /needs "symbol".*or "line"/);
    await assert.rejects(runPublicTool('read_symbol', { name: 'orderTotal' }, context), /needs "file" when no editor is open/);
    await assert.rejects(runPublicTool('list_symbols', {}, context), /needs "file"/);
    await assert.rejects(runPublicTool('symbol_payload', { file: 'src/prices.ts', symbol: 'noSuchThing' }, context), (e: unknown) => e instanceof PublicToolError && /noSuchThing/.test(e.message));
  });

  it('the manifest declares each tool with the definition the code runs', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { languageModelTools: Array<{ name: string; modelDescription: string; inputSchema: unknown; toolReferenceName: string; userDescription: string }> } };
    const declared = manifest.contributes.languageModelTools;
    assert.deepEqual(declared.map((t) => t.name).sort(), Object.values(PUBLIC_TOOLS).map((t) => t.name).sort());
    for (const tool of Object.values(PUBLIC_TOOLS)) {
      const entry = declared.find((t) => t.name === tool.name)!;
      assert.equal(entry.modelDescription, tool.definition.description, tool.name);
      assert.deepEqual(entry.inputSchema, tool.definition.parameters, tool.name);
      assert.ok(entry.toolReferenceName && entry.userDescription, `${tool.name} can be referenced with # and says what it does`);
    }
  });
});
