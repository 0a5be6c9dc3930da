import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { isContextError } from '../../src/context/contextError';
import { ContextEngine } from '../../src/context/engine';
import type { ExtractRequest } from '../../src/context/extraction';
import { Grammars } from '../../src/context/grammars';
import { parseTree } from '../../src/context/parser';
import { ASSETS_DIR, REPO_ROOT } from './assets';

/** Makes the wall clock run `msPerRead` further each time it is read: a machine busy with other work. */
function busyClock(msPerRead: number): void {
  let t = performance.now();
  mock.method(performance, 'now', () => (t += msPerRead));
}

describe('parse limits', () => {
  after(() => mock.restoreAll());

  it('a busy machine gives the same extraction: parse steps taking 5 ms of wall time each change nothing', async () => {
    const file = join(REPO_ROOT, 'node_modules/typescript/lib/typescript.d.ts');
    const request: ExtractRequest = { root: dirname(file), file, selector: { symbol: 'ts.LanguageService.getCompletionsAtPosition' }, maxTokens: 8_000 };
    const idle = new ContextEngine({ assetsDir: ASSETS_DIR });
    const expected = await idle.extract(request);
    idle.dispose();
    const busy = new ContextEngine({ assetsDir: ASSETS_DIR });
    busyClock(5);
    try {
      assert.deepEqual(await busy.extract(request).catch((e: Error) => ({ error: e.message })), expected);
    } finally {
      mock.restoreAll();
      busy.dispose();
    }
  });

  describe('a parse a limit stops', () => {
    let root: string;
    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'cg-limits-'));
      await writeFile(join(root, 'a.ts'), "import { helper } from './b';\n\nexport function useHelper(): number {\n  return helper() + 1;\n}\n");
      await writeFile(join(root, 'b.ts'), `export function helper(): number {\n  return 1;\n}\n\nexport const table = [${'1, '.repeat(200_000)}];\n`);
    });
    after(() => rm(root, { recursive: true, force: true }));

    it('is named in the result, not left out silently', async () => {
      const whole = new ContextEngine({ assetsDir: ASSETS_DIR });
      const complete = await whole.extract({ root, file: join(root, 'a.ts'), selector: { symbol: 'useHelper' } });
      whole.dispose();
      assert.ok(complete.pieces.some((p) => p.role === 'imported-signature' && p.symbol === 'helper'), 'unlimited, the imported signature is sent');
      const engine = new ContextEngine({ assetsDir: ASSETS_DIR });
      busyClock(1_000);
      try {
        const r = await engine.extract({ root, file: join(root, 'a.ts'), selector: { symbol: 'useHelper' } });
        assert.equal(r.target.text, complete.target.text);
        assert.deepEqual(r.pieces.filter((p) => p.role === 'imported-signature'), []);
        assert.deepEqual(r.stopped.map(({ file, reason, missing }) => ({ file, reason, missing })), [{ file: 'b.ts', reason: 'time', missing: 'imported signatures' }]);
      } finally {
        mock.restoreAll();
        engine.dispose();
      }
    });

    it('by the work it took stops the same way on an idle or a busy clock', async () => {
      const grammars = new Grammars(ASSETS_DIR);
      const text = readFileSync(join(root, 'b.ts'), 'utf8');
      const limits = { file: 'b.ts', stepsPerChar: 0.001 };
      const outcomes: string[] = [];
      for (const msPerRead of [0, 3]) {
        busyClock(msPerRead);
        try {
          outcomes.push(await parseTree(grammars, 'typescript', text, limits).then((t) => { t.delete(); return 'parsed'; }, (e: Error) => e.message));
        } finally {
          mock.restoreAll();
        }
      }
      assert.equal(outcomes[0], outcomes[1]);
      assert.match(outcomes[0]!, /^Parsing b\.ts was stopped after 10,602 parser steps, the limit for 600,075 characters/);
    });

    it('by its size is refused before parsing, with the size and the limit', async () => {
      const grammars = new Grammars(ASSETS_DIR);
      const text = readFileSync(join(root, 'b.ts'), 'utf8');
      await assert.rejects(parseTree(grammars, 'typescript', text, { file: 'b.ts', maxChars: 100_000 }), (e: unknown) =>
        isContextError(e, 'parse-stopped') && /b\.ts has 600,\d+ characters, over the 100,000 one parse may take/.test((e as Error).message));
    });
  });
});
