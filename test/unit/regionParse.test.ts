import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ContextEngine } from '../../src/context/engine';
import type { ExtractRequest } from '../../src/context/extraction';
import { TopLevelRegions } from '../../src/context/topLevelRegions';
import { ASSETS_DIR, REPO_ROOT } from './assets';

// Large files parse only the statements an extraction needs. Forcing that path on ordinary
// files (largeFileChars: 0) must give exactly what a whole parse gives.
const fallbacks: string[] = [];
const regional = new ContextEngine({ assetsDir: ASSETS_DIR, largeFileChars: 0, log: (l) => { if (!l.startsWith('extract ')) fallbacks.push(l); } });
const whole = new ContextEngine({ assetsDir: ASSETS_DIR, largeFileChars: Number.POSITIVE_INFINITY });
after(() => {
  regional.dispose();
  whole.dispose();
});

const outcome = (p: Promise<unknown>) => p.catch((e: Error) => ({ error: e.message }));

describe('parsing only the statements an extraction needs', () => {
  const files = ['undici/lib/web/fetch/index.js', 'undici/lib/dispatcher/client-h1.js', 'cockatiel/dist/CircuitBreakerPolicy.js', 'minimatch/dist/commonjs/ast.js'];
  for (const relative of files) {
    it(`gives the same results as a whole parse on ${relative}`, async () => {
      const file = join(REPO_ROOT, 'node_modules', relative);
      const root = dirname(file);
      const symbols = [...new Set((await whole.listSymbols(root, file)).map((s) => s.symbol))];
      assert.ok(symbols.length >= 5);
      fallbacks.length = 0;
      for (const symbol of symbols) {
        const request: ExtractRequest = { root, file, selector: { symbol }, maxTokens: 6_000 };
        assert.deepEqual(await outcome(regional.extract(request)), await outcome(whole.extract(request)), symbol);
      }
      for (const line of [1, 40, 120, 200]) {
        const request: ExtractRequest = { root, file, selector: { line }, maxTokens: 6_000 };
        assert.deepEqual(await outcome(regional.extract(request)), await outcome(whole.extract(request)), `line ${line}`);
      }
      // Top-level names are found by the scan; only nested names may need the whole parse.
      const topLevel = symbols.filter((s) => !s.includes('.'));
      assert.ok(fallbacks.length <= symbols.length - topLevel.length + 4, fallbacks.join('\n'));
    });
  }

  it('is not fooled by code-like lines inside a template string', async () => {
    const text = [
      'export const template = `',
      'function fake() {',
      '  return 1;',
      '}',
      '`;',
      '',
      'export function real(): string {',
      '  return template;',
      '}',
      '',
    ].join('\n');
    const request = (selector: ExtractRequest['selector']): ExtractRequest => ({ root: '/ws', file: '/ws/t.ts', text, selector });
    assert.deepEqual(new TopLevelRegions(text).named('fake').length, 1, 'the scan does see a statement there');
    for (const selector of [{ symbol: 'fake' }, { symbol: 'real' }, { symbol: 'template' }, { symbol: 're(al[' }, { line: 3 }, { line: 8 }]) {
      assert.deepEqual(await outcome(regional.extract(request(selector))), await outcome(whole.extract(request(selector))), JSON.stringify(selector));
    }
    assert.match(JSON.stringify(await outcome(regional.extract(request({ symbol: 'fake' })))), /No definition named \\"fake\\"/);
  });

  it('names a stopped parse of the referenced statements in the result and keeps the target', async () => {
    const text = `export function big(): number[] {\n  return [${'1, '.repeat(20_000)}];\n}\n\nexport function f(): number {\n  return big().length;\n}\n`;
    const request: ExtractRequest = { root: '/ws', file: '/ws/t.ts', text, selector: { symbol: 'f' } };
    const complete = await whole.extract(request);
    assert.ok(complete.pieces.some((p) => p.symbol === 'big'), 'unlimited, the signature of big is sent');
    const limited = new ContextEngine({ assetsDir: ASSETS_DIR, largeFileChars: 0, parseLimits: { maxChars: 10_000 } });
    try {
      const r = await limited.extract(request);
      assert.equal(r.target.text, complete.target.text);
      assert.ok(!r.pieces.some((p) => p.symbol === 'big'));
      assert.deepEqual(r.stopped.map(({ file, reason, missing }) => ({ file, reason, missing })), [{ file: 't.ts', reason: 'size', missing: 'referenced signatures' }]);
      assert.match(r.stopped[0]!.message, /has 60,\d{3} characters, over the 10,000 one parse may take/);
    } finally {
      limited.dispose();
    }
  });

  it('finds statements, their doc comments, overloads and the imports at the top', () => {
    const text = "import { a } from './a';\nconst {\n  b,\n} = require('./b');\n\n/** Doc. */\nexport function f(x: string): void;\nexport function f(x: number): void;\nexport function f(x: any) {}\n  function nested() {}\nclass C {}\n";
    const regions = new TopLevelRegions(text);
    assert.deepEqual(regions.head().map((r) => r.keyword), ['import', 'const']);
    const [f] = regions.named('f');
    assert.equal(text.slice(f!.start, f!.end), '/** Doc. */\nexport function f(x: string): void;\nexport function f(x: number): void;\nexport function f(x: any) {}\n  function nested() {}\n');
    assert.deepEqual(regions.containing('nested').map((r) => r.name), ['f']);
    assert.deepEqual(regions.position(text.indexOf('class C')), { row: 10, column: 0 });
  });
});
