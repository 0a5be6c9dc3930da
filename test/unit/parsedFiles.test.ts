import assert from 'node:assert/strict';
import { copyFile, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tree } from 'web-tree-sitter';
import { isContextError } from '../../src/context/contextError';
import { ContextEngine } from '../../src/context/engine';
import { Grammars } from '../../src/context/grammars';
import { LANGUAGES } from '../../src/context/languages';
import { ParsedFiles } from '../../src/context/parsedFiles';
import { ASSETS_DIR } from './assets';

// Counts tree.delete() calls: WASM memory is only ever freed there.
let deletes = 0;
const originalDelete = Tree.prototype.delete;
before(() => {
  Tree.prototype.delete = function (this: Tree) {
    deletes++;
    originalDelete.call(this);
  };
});
after(() => {
  Tree.prototype.delete = originalDelete;
});

describe('parsed files cache', () => {
  const grammars = new Grammars(ASSETS_DIR);

  it('parses a file once while its text is unchanged, and frees the old tree when it changes', async () => {
    const files = new ParsedFiles(grammars);
    const a = await files.acquire('/a.ts', 'export const a = 1;', 'typescript');
    a.release();
    const again = await files.acquire('/a.ts', 'export const a = 1;', 'typescript');
    assert.equal(again.parsed, a.parsed);
    again.release();
    const before = deletes;
    const changed = await files.acquire('/a.ts', 'export const a = 2;', 'typescript');
    assert.notEqual(changed.parsed, a.parsed);
    await new Promise((r) => setImmediate(r));
    assert.equal(deletes, before + 1);
    changed.release();
    files.clear();
    await new Promise((r) => setImmediate(r));
    assert.equal(deletes, before + 2);
  });

  it('keeps the most recently used files and frees an evicted tree only once no extraction holds it', async () => {
    const files = new ParsedFiles(grammars, { maxFiles: 2 });
    const held = await files.acquire('/1.ts', 'export const one = 1;', 'typescript');
    (await files.acquire('/2.ts', 'export const two = 2;', 'typescript')).release();
    const before = deletes;
    (await files.acquire('/3.ts', 'export const three = 3;', 'typescript')).release();
    await new Promise((r) => setImmediate(r));
    assert.equal(files.size, 2);
    assert.equal(deletes, before, 'the evicted tree is still held');
    assert.equal(held.parsed.index.entries[0]?.name, 'one', 'and still usable');
    held.release();
    assert.equal(deletes, before + 1);
    files.clear();
  });

  it('does not keep a parse that failed', async () => {
    const files = new ParsedFiles(grammars, { limits: { stepsPerChar: 0.001 } });
    const huge = `export const xs = [${'1, '.repeat(400_000)}];`;
    await assert.rejects(files.acquire('/huge.ts', huge, 'typescript'), (e: unknown) => isContextError(e, 'parse-stopped'));
    assert.equal(files.size, 0);
  });
});

describe('engine with a grammar missing', () => {
  let assets: string;
  let engine: ContextEngine;
  before(async () => {
    assets = await mkdtemp(join(tmpdir(), 'cg-assets-'));
    for (const name of await readdir(ASSETS_DIR)) {
      if (name.endsWith('.wasm') && name !== LANGUAGES.python.wasm) await copyFile(join(ASSETS_DIR, name), join(assets, name));
    }
    await cp(join(ASSETS_DIR, 'ranks'), join(assets, 'ranks'), { recursive: true });
    engine = new ContextEngine({ assetsDir: assets });
  });
  after(async () => {
    engine.dispose();
    await rm(assets, { recursive: true, force: true });
  });

  it('refuses that language with a clear error and keeps the others working', async () => {
    await assert.rejects(engine.extract({ root: '/ws', file: '/ws/a.py', text: 'def f():\n    pass\n', selector: { symbol: 'f' } }), (e: unknown) =>
      isContextError(e, 'grammar-unavailable') && /Python grammar could not be loaded .* other languages still work/.test(e.message));
    const ok = await engine.extract({ root: '/ws', file: '/ws/a.ts', text: 'export function f() {}\n', selector: { symbol: 'f' } });
    assert.equal(ok.target.text, 'export function f() {}');
  });

  it('reports a parse of the target a limit stopped as parse-stopped', async () => {
    const slow = new ContextEngine({ assetsDir: assets, parseLimits: { stepsPerChar: 0.001 } });
    const text = `export function f() { return [${'1, '.repeat(400_000)}]; }\n`;
    await assert.rejects(slow.extract({ root: '/ws', file: '/ws/big.ts', text, selector: { symbol: 'f' } }), (e: unknown) =>
      isContextError(e, 'parse-stopped') && /Parsing \/ws\/big\.ts was stopped after [\d,]+ parser steps/.test(e.message));
    slow.dispose();
  });
});
