// Names the model asks for resolve as a reader of the payload expects: the given file, then what
// that file imports, then a bounded search of the workspace; ambiguity and denied files answered
// plainly. Checked on the tools themselves and through the agent loop on every provider kind.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { runAgent, type AgentTask } from '../../src/agent/agentLoop';
import { ToolRunner, type ToolRunnerOptions } from '../../src/agent/toolRunner';
import { ContextEngine, TokenBudget } from '../../src/context/index';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { openChain, type ChainServices } from '../../src/gateway/openChain';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import type { FakeProvider } from '../fakes/index';
import { ASSETS_DIR } from './assets';
import { tempDir } from './support/tempDir';
import { workspace, type Workspace } from './workspaceFixture';
import { fakePairs } from './support/fakePairs';

const KINDS: HttpProviderKind[] = ['openai', 'anthropic', 'gemini', 'openai-compatible'];
const MODEL: Record<HttpProviderKind, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash', 'openai-compatible': 'deepseek-chat' };

/** The helper's body: in the payload only as an elided signature, so it shows a real read. */
const HELPER_BODY = 'value.trim().toUpperCase()';
const PRIVATE_VALUE = 'PRIVATE-TOKEN-VALUE';
// Assembled at run time so the repository holds nothing that looks like a key.
const KEY = ['sk', 'live', 'Q7x9Tz2LmN4pR8vW1yB3cD5fG6hJ0kA'].join('-');

const FILES: Record<string, string> = {
  'src/main.ts': [
    "import { helper } from './helper';",
    "import { pad as padLeft } from './text/pad';",
    "import * as fmt from './text/fmt';",
    "import { token } from './private/token';",
    "import { debounce } from 'lodash';",
    '',
    'export function main(input: string): string {',
    '  return fmt.wrap(padLeft(helper(input), 8)) + token.length + String(debounce);',
    '}',
    '',
  ].join('\n'),
  'src/helper.ts': `export function helper(value: string): string {\n  return ${HELPER_BODY};\n}\n`,
  'src/text/pad.ts': 'export function pad(s: string, n: number): string {\n  return s.padStart(n);\n}\n',
  'src/text/fmt.ts': 'export function wrap(s: string): string {\n  return s.concat(s);\n}\n',
  'src/private/token.ts': `export const token = '${PRIVATE_VALUE}';\n`,
  'src/private/vault.ts': 'export function openVault(): string {\n  return vaultSecretBody();\n}\n',
  'src/a/format.ts': 'export function formatAmount(x: number): string {\n  return x.toFixed(2);\n}\n',
  'src/b/format.ts': 'export function formatAmount(x: number): string {\n  return x.toPrecision(3);\n}\n',
  'src/lib/units.ts': 'export function toCents(x: number): number {\n  return Math.round(x * 100);\n}\n',
  'dist/units.js': 'export function toCents(x) {\n  return x * 100;\n}\n',
  'dist/vault.js': 'export function openVault() {\n  return 1;\n}\n',
  'pkg/app.py': 'from .tools import slugify\n\n\ndef run(x):\n    return slugify(x)\n',
  'pkg/tools.py': 'def slugify(text):\n    return text.lower().strip()\n',
  'src/client.ts': "import { connect } from './config';\n\nexport function client(): string {\n  return connect();\n}\n",
  'src/config.ts': `export function connect(): string {\n  const key = '${KEY}';\n  return key.slice(0, 2);\n}\n`,
  '.contextignore': 'src/private/\n',
};

let ws: Workspace;
let engine: ContextEngine;
before(async () => {
  ws = await workspace(FILES);
  engine = new ContextEngine({ assetsDir: ASSETS_DIR });
});
after(async () => {
  engine.dispose();
  await ws.remove();
});

function runner(over: Partial<ToolRunnerOptions> = {}): ToolRunner {
  return new ToolRunner({
    engine, root: ws.root, defaultFile: ws.path('src/main.ts'), exclude: [], encoding: 'o200k_base', factor: 1,
    budget: new TokenBudget(16_000), allowEdits: false, ...over,
  });
}

const call = (name: string, args: Record<string, unknown>) => ({ type: 'tool_call' as const, id: `c-${name}`, name, arguments: args });

describe('read_symbol without a file', () => {
  it('reads a name the target file imports, from the module it comes from, charging the shared budget', async () => {
    const budget = new TokenBudget(16_000);
    const outcome = await runner({ budget }).run(call('read_symbol', { name: 'helper' }));
    assert.equal(outcome.isError, false, outcome.content);
    assert.match(outcome.content, /==== target: function helper \(src\/helper\.ts:1-3\) ====/);
    assert.ok(outcome.content.includes(HELPER_BODY));
    assert.ok(budget.used > 0, 'the read drew from the shared budget');
  });

  it('redacts a secret in the definition an import leads to', async () => {
    const outcome = await runner({ defaultFile: ws.path('src/client.ts') }).run(call('read_symbol', { name: 'connect' }));
    assert.equal(outcome.isError, false, outcome.content);
    assert.match(outcome.content, /target: function connect \(src\/config\.ts:1-4\)/);
    assert.ok(!outcome.content.includes(KEY), 'the key was not sent');
    assert.match(outcome.content, /\[REDACTED:/);
  });

  it('follows an alias and a namespace import to the definition', async () => {
    const tools = runner();
    const aliased = await tools.run(call('read_symbol', { name: 'padLeft' }));
    assert.equal(aliased.isError, false, aliased.content);
    assert.ok(aliased.content.includes('s.padStart(n)'));
    const byOriginalName = await tools.run(call('read_symbol', { name: 'pad' }));
    assert.ok(byOriginalName.content.includes('s.padStart(n)'), byOriginalName.content);
    const member = await tools.run(call('read_symbol', { name: 'fmt.wrap' }));
    assert.equal(member.isError, false, member.content);
    assert.ok(member.content.includes('s.concat(s)'));
  });

  it('follows a Python relative import', async () => {
    const outcome = await runner({ defaultFile: ws.path('pkg/app.py') }).run(call('read_symbol', { name: 'slugify' }));
    assert.equal(outcome.isError, false, outcome.content);
    assert.ok(outcome.content.includes('text.lower().strip()'));
  });

  it('finds a name nobody imports by a search of the workspace, skipping denied build output', async () => {
    const outcome = await runner().run(call('read_symbol', { name: 'toCents' }));
    assert.equal(outcome.isError, false, outcome.content);
    assert.match(outcome.content, /target: function toCents \(src\/lib\/units\.ts:1-3\)/);
    assert.ok(!outcome.content.includes('dist/'), 'denied build output is neither read nor named');
  });

  it('answers an ambiguous name with the candidates and their files, and asks for "file"', async () => {
    const outcome = await runner().run(call('read_symbol', { name: 'formatAmount' }));
    assert.equal(outcome.isError, true);
    const answer = JSON.parse(outcome.content) as { code: string; message: string; candidates: Array<{ file: string; symbol: string }> };
    assert.equal(answer.code, 'ambiguous-symbol');
    assert.deepEqual(answer.candidates.map((c) => [c.file, c.symbol]), [['src/a/format.ts', 'formatAmount'], ['src/b/format.ts', 'formatAmount']]);
    assert.match(answer.message, /"file"/);
    assert.ok(!outcome.content.includes('toFixed') && !outcome.content.includes('toPrecision'), 'no guess was read');
  });

  it('never reads or names a denied file: an import into one says "denied", a search skips them and says so', async () => {
    const tools = runner();
    const imported = await tools.run(call('read_symbol', { name: 'token' }));
    assert.equal(imported.isError, true);
    assert.match(imported.content, /denied-file/);
    assert.ok(!imported.content.includes(PRIVATE_VALUE));
    const searched = await tools.run(call('read_symbol', { name: 'openVault' }));
    assert.equal(searched.isError, true);
    assert.match(searched.content, /unknown-symbol/);
    assert.match(searched.content, /denied/);
    assert.ok(!searched.content.includes('vault.ts') && !searched.content.includes('vault.js') && !searched.content.includes('src/private'), searched.content);
    assert.ok(!searched.content.includes('vaultSecretBody'));
  });

  it('says where it looked when a name is nowhere, with the nearest names', async () => {
    const outcome = await runner().run(call('read_symbol', { name: 'mian' }));
    assert.equal(outcome.isError, true);
    assert.match(outcome.content, /unknown-symbol/);
    assert.match(outcome.content, /Nearest names: main/);
    assert.match(outcome.content, /imports/);
    assert.match(outcome.content, /searched \d+ files? of the workspace/);
  });

  it('a propose_edit names the symbol the same way', async () => {
    const tools = runner({ allowEdits: true });
    const outcome = await tools.run(call('propose_edit', { symbol: 'helper', new_text: 'export function helper(value: string): string {\n  return value;\n}' }));
    assert.equal(outcome.isError, false, outcome.content);
    assert.equal(tools.proposals[0]?.file, 'src/helper.ts');
    assert.ok(tools.proposals[0]?.original.text.includes(HELPER_BODY));
  });
});

describe('the workspace search is bounded', () => {
  let big: Workspace;
  before(async () => {
    const files: Record<string, string> = { 'src/start.ts': 'export function start(): number {\n  return 1;\n}\n' };
    for (let i = 0; i < 30; i++) files[`m${String(i).padStart(2, '0')}/f.ts`] = `export function filler${i}(): number {\n  return ${i};\n}\n`;
    files['zz/far.ts'] = 'export function farAway(): number {\n  return 42;\n}\n';
    big = await workspace(files);
  });
  after(() => big.remove());

  const bigRunner = (search?: ToolRunnerOptions['search']) => runner({ root: big.root, defaultFile: big.path('src/start.ts'), ...(search ? { search } : {}) });

  it('finds a far name within the default limits', async () => {
    const outcome = await bigRunner().run(call('read_symbol', { name: 'farAway' }));
    assert.equal(outcome.isError, false, outcome.content);
    assert.ok(outcome.content.includes('return 42'));
  });

  it('stops at its file limit and says so, asking for "file"', async () => {
    const outcome = await bigRunner({ maxFiles: 10 }).run(call('read_symbol', { name: 'farAway' }));
    assert.equal(outcome.isError, true);
    assert.match(outcome.content, /stopped at its limit of 10 files/);
    assert.match(outcome.content, /"file"/);
  });

  it('stops at its byte limit and says so', async () => {
    const outcome = await bigRunner({ maxBytes: 200 }).run(call('read_symbol', { name: 'farAway' }));
    assert.equal(outcome.isError, true);
    assert.match(outcome.content, /stopped at its limit of 200 bytes read/);
  });

  it('stops at its wall-clock limit, a last resort, and says it is one', async () => {
    const outcome = await bigRunner({ maxMs: 0 }).run(call('read_symbol', { name: 'farAway' }));
    assert.equal(outcome.isError, true);
    assert.match(outcome.content, /stopped at its time limit of 0 ms of wall time \(the disk or the machine is very slow now/);
  });

  it('gives the same answer on a busy machine: reads taking 70 ms each (2.3 s in all) change nothing', async () => {
    // 32 files at 70 ms is past the 2 s wall-clock limit the search used to stop at.
    const slow = new ContextEngine({ assetsDir: ASSETS_DIR, readFile: async (path) => {
      await new Promise((resolve) => setTimeout(resolve, 70));
      return readFile(path, 'utf8');
    } });
    try {
      const outcome = await runner({ engine: slow, root: big.root, defaultFile: big.path('src/start.ts') }).run(call('read_symbol', { name: 'farAway' }));
      assert.equal(outcome.isError, false, outcome.content);
      assert.ok(outcome.content.includes('return 42'));
    } finally {
      slow.dispose();
    }
  });
});

describe('list_symbols with a module specifier', () => {
  it('resolves "./helper" as the target file imports it', async () => {
    const outcome = await runner().run(call('list_symbols', { file: './helper' }));
    assert.equal(outcome.isError, false, outcome.content);
    assert.equal(outcome.content, 'helper (function, lines 1-3)');
    const nested = await runner().run(call('list_symbols', { file: './text/pad' }));
    assert.equal(nested.content, 'pad (function, lines 1-3)');
  });

  it('still takes a path relative to the workspace root', async () => {
    const outcome = await runner().run(call('list_symbols', { file: 'src/text/fmt.ts' }));
    assert.equal(outcome.content, 'wrap (function, lines 1-3)');
  });

  it('a specifier into a denied module is denied, and one that names nothing says how to fix it', async () => {
    const denied = await runner().run(call('list_symbols', { file: './private/token' }));
    assert.equal(denied.isError, true);
    assert.match(denied.content, /denied-file/);
    const missing = await runner().run(call('list_symbols', { file: './nowhere' }));
    assert.equal(missing.isError, true);
    assert.match(missing.content, /\.\/nowhere/);
    assert.match(missing.content, /relative to the workspace root/);
  });
});

describe('through the agent loop, on every provider kind', () => {
  const { primary, backup } = fakePairs(KINDS);

  async function chainOver(routes: Array<{ kind: HttpProviderKind; fake: FakeProvider; tier: 'hot' | 'warm'; id: string }>): Promise<ChainServices> {
    const { config, problems } = parseChainConfig({
      routes: routes.map((r) => ({ id: r.id, tier: r.tier, provider: r.kind, model: MODEL[r.kind], baseUrl: r.fake.url, secret: 'KEY', maxOutputTokens: 1024 })),
      policy: { retries: 0, retryAfterThresholdMs: 1_000, timeoutMs: 5_000 },
      cache: { ttlSeconds: 0 },
    });
    assert.deepEqual(problems, []);
    return openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key' });
  }

  const task = (): AgentTask => ({
    task: 'explain', root: ws.root, file: ws.path('src/main.ts'), selector: { symbol: 'main' }, exclude: [],
    encoding: 'o200k_base', factor: 1, payloadMaxTokens: 4_000,
  });

  for (const kind of KINDS) {
    it(`${kind}: the helper the payload shows is read by name alone, and its code reaches the provider`, async () => {
      const fake = primary.get(kind)!;
      fake.script(
        { reply: { text: 'Reading helper.', toolCalls: [{ name: 'read_symbol', arguments: { name: 'helper' } }, { name: 'list_symbols', arguments: { file: './helper' } }] } },
        { reply: { text: 'main upper-cases, pads and wraps its input.' } },
      );
      const services = await chainOver([{ id: 'a', kind, fake, tier: 'hot' }]);
      try {
        const result = await runAgent(task(), { chain: services.chain, engine }, { stream: true });
        assert.equal(result.status, 'answered');
        assert.ok(fake.requests[0]!.rawBody.includes('imported signature: function helper (src/helper.ts:1-3)'), 'the payload shows the helper');
        assert.ok(!fake.requests[0]!.rawBody.includes(HELPER_BODY), 'the payload holds only its signature');
        assert.deepEqual(result.toolCalls.map((c) => [c.name, c.isError]), [['read_symbol', false], ['list_symbols', false]]);
        const next = fake.requests[1]!;
        assert.equal(next.rejected, undefined, `the ${kind} fake refused the request: ${next.rejected?.message}`);
        assert.ok(next.rawBody.includes(HELPER_BODY), 'the tool result sent back holds the helper\'s code');
        assert.ok(next.rawBody.includes('helper (function, lines 1-3)'), 'list_symbols on the module specifier answered');
        assert.ok(!next.rawBody.includes('unknown-symbol'));
      } finally {
        await services.dispose();
      }
    });
  }

  for (const from of KINDS) {
    for (const to of KINDS.filter((k) => k !== from)) {
      it(`${from} reads the helper by name alone, then fails; ${to} receives the helper's code and finishes`, async () => {
        const a = primary.get(from)!;
        const b = backup.get(to)!;
        a.script(
          { reply: { text: 'Reading helper.', toolCalls: [{ name: 'read_symbol', arguments: { name: 'helper' } }] } },
          { fault: { type: 'http', failure: 'server_error' } },
        );
        b.script({ reply: { text: 'main upper-cases its input.' } });
        const services = await chainOver([{ id: 'a', kind: from, fake: a, tier: 'hot' }, { id: 'b', kind: to, fake: b, tier: 'warm' }]);
        try {
          const result = await runAgent(task(), { chain: services.chain, engine }, { stream: true });
          assert.equal(result.status, 'answered');
          assert.equal(result.routeId, 'b');
          assert.deepEqual(result.toolCalls.map((c) => [c.name, c.route, c.isError]), [['read_symbol', 'a', false]]);
          const received = b.requests.at(-1)!;
          assert.equal(received.rejected, undefined, `the ${to} fake refused the translated history: ${received.rejected?.message}`);
          assert.ok(received.rawBody.includes(HELPER_BODY), 'the helper\'s code, read on the first route, reached the second');
          assert.ok(!received.rawBody.includes('unknown-symbol'));
        } finally {
          await services.dispose();
        }
      });
    }
  }
});
