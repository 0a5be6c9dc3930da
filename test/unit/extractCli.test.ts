import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from './assets';
import { workspace, type Workspace } from './workspaceFixture';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

describe('cli extract', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace({
      'package.json': '{}',
      'src/math.ts': "import { round } from './round';\n\nexport function mean(xs: number[]): number {\n  return round(xs.reduce((a, b) => a + b, 0) / xs.length);\n}\n",
      'src/round.ts': 'export function round(x: number): number {\n  return Math.round(x * 100) / 100;\n}\n',
      '.contextignore': 'src/private/\n',
      'src/private/keys.ts': 'export function key() { return 1; }\n',
    });
  });
  after(() => ws.remove());

  it('prints one JSON object with the target, pieces, payload, tokens and reports', () => {
    const r = cli('extract', ws.path('src/math.ts'), '--symbol', 'mean', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.target, {
      symbol: 'mean', kind: 'function', file: 'src/math.ts', startLine: 3, endLine: 5,
      text: 'export function mean(xs: number[]): number {\n  return round(xs.reduce((a, b) => a + b, 0) / xs.length);\n}',
    });
    assert.deepEqual(out.pieces.map((p: { role: string; file: string; symbol: string }) => [p.role, p.file, p.symbol]),
      [['target', 'src/math.ts', 'mean'], ['imports', 'src/math.ts', 'imports'], ['imported-signature', 'src/round.ts', 'round']]);
    for (const p of out.pieces) assert.ok(p.tokens > 0 && p.startLine >= 1 && p.endLine >= p.startLine);
    assert.match(out.payload, /^\/\/ ==== imports \(src\/math\.ts:1-1\) ====\nimport \{ round \} from '\.\/round';\n/);
    assert.match(out.payload, /export function round\(x: number\): number \{ … \}/);
    assert.equal(out.tokens.budget, 8000);
    assert.ok(out.tokens.payload > 0 && out.tokens.wholeFile > 0);
    assert.deepEqual([out.omitted, out.excluded, out.redacted], [[], [], []]);
  });

  it('selects by line and column, and honours --budget and --encoding', () => {
    const r = cli('extract', ws.path('src/math.ts'), '--line', '4', '--column', '3', '--budget', '500', '--encoding', 'cl100k_base', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.target.symbol, 'mean');
    assert.deepEqual([out.tokens.budget, out.tokens.encoding], [500, 'cl100k_base']);
  });

  it('prints a readable summary and the payload without --json', () => {
    const r = cli('extract', ws.path('src/math.ts'), '--symbol', 'mean');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^target {4}function mean {2}src\/math\.ts:3-5\n/);
    assert.match(r.stdout, /^tokens {4}\d+ of a budget of 8000 \(o200k_base\)/m);
    assert.match(r.stdout, /^piece {5}imported-signature +function round {2}src\/round\.ts:1-3 {2}\d+ tokens$/m);
    assert.match(r.stdout, /---- payload ----\n\/\/ ==== imports/);
  });

  const failures: Array<[string, string[], RegExp]> = [
    ['an unknown symbol, with the nearest names', ['--symbol', 'maen'], /^No definition named "maen" in src\/math\.ts\. Nearest names: mean/],
    ['a target over the budget', ['--symbol', 'mean', '--budget', '10'], /^mean \(src\/math\.ts\) is \d+ tokens, over the budget of 10\. Nothing was sent\./],
    ['a line outside any definition', ['--line', '2'], /^No function, method or class contains line 2 in src\/math\.ts\./],
  ];
  for (const [what, args, message] of failures) {
    it(`reports ${what} on stderr with exit code 1 and nothing on stdout`, () => {
      const r = cli('extract', ws.path('src/math.ts'), ...args, '--json');
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    });
  }

  it('reports a denied file and an unsupported language the same way', () => {
    const denied = cli('extract', ws.path('src/private/keys.ts'), '--symbol', 'key');
    assert.deepEqual([denied.status, denied.stdout], [1, '']);
    assert.match(denied.stderr, /^src\/private\/keys\.ts is excluded from context by the pattern "src\/private\/" \(\.contextignore line 1\)/);
    const unsupported = cli('extract', ws.path('package.json'), '--symbol', 'x');
    assert.deepEqual([unsupported.status, unsupported.stdout], [1, '']);
    assert.match(unsupported.stderr, /package\.json: this file type is not supported/);
  });

  it('rejects bad usage with exit code 2', () => {
    for (const args of [['--symbol', 'a', '--line', '3'], [], ['--line', 'x'], ['--symbol', 'mean', '--encoding', 'p50k_base']]) {
      const r = cli('extract', ws.path('src/math.ts'), ...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  it('shows the effective deny-list with sources, and verdicts for files', () => {
    const r = cli('deny-list', '--root', ws.root, '--exclude', '*.gen.ts', '--check', ws.path('src/private/keys.ts'), '--check', ws.path('src/math.ts'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.entries.find((e: { pattern: string }) => e.pattern === '*.gen.ts'), { pattern: '*.gen.ts', negate: false, source: 'setting contextGateway.context.exclude[0]', locked: false });
    assert.deepEqual(out.entries.find((e: { pattern: string }) => e.pattern === 'src/private/').source, '.contextignore line 1');
    assert.deepEqual(out.checks.map((c: { verdict?: { pattern: string } }) => c.verdict?.pattern ?? null), ['src/private/', null]);
    const text = cli('deny-list', '--root', ws.root);
    assert.match(text.stdout, /^ {2}\.env\* +default, secret file$/m);
  });
});
