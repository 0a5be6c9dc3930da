import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Grammars, isGrammarLoadError } from '../../src/context/grammars';
import { checkLanguages } from '../../src/context/languageCheck';
import { LANGUAGES, languageForPath, type LanguageId } from '../../src/context/languages';
import { ParseStoppedError, withTree } from '../../src/context/parser';
import { ASSETS_DIR } from './assets';

describe('grammars from dist/', () => {
  it('loads all four grammars and parses a sample of each', async () => {
    const states = await checkLanguages(new Grammars(ASSETS_DIR));
    assert.deepEqual(states.map((s) => [s.id, s.ready, s.detail]), [
      ['typescript', true, undefined], ['tsx', true, undefined], ['javascript', true, undefined], ['python', true, undefined],
    ]);
  });

  it('shares one load per language between concurrent callers', async () => {
    const grammars = new Grammars(ASSETS_DIR);
    const [a, b] = await Promise.all([grammars.load('python'), grammars.load('python')]);
    assert.equal(a, b);
  });

  it('maps file extensions to languages', () => {
    const cases: Array<[string, LanguageId | undefined]> = [
      ['a.ts', 'typescript'], ['a.d.ts', 'typescript'], ['a.MTS', 'typescript'], ['a.tsx', 'tsx'],
      ['a.js', 'javascript'], ['a.cjs', 'javascript'], ['a.jsx', 'javascript'], ['a.py', 'python'],
      ['a.pyi', 'python'], ['a.rb', undefined], ['Makefile', undefined],
    ];
    for (const [file, language] of cases) assert.equal(languageForPath(file), language, file);
  });

  it('parses real TSX with JSX in it without errors', async () => {
    const grammars = new Grammars(ASSETS_DIR);
    const text = 'export const App = ({ n }: { n: number }) => <ul>{[n].map((x) => <li key={x}>{x}</li>)}</ul>;\n';
    const hasError = await withTree(grammars, 'tsx', text, { file: 'app.tsx' }, (tree) => tree.rootNode.hasError);
    assert.equal(hasError, false);
    // The same text is not valid plain TypeScript: the grammars really differ.
    const asTs = await withTree(grammars, 'typescript', text, { file: 'app.ts' }, (tree) => tree.rootNode.hasError);
    assert.equal(asTs, true);
  });
});

describe('a grammar that fails to load', () => {
  let brokenDir: string;
  before(async () => {
    brokenDir = await mkdtemp(join(tmpdir(), 'cg-grammars-'));
    for (const name of await readdir(ASSETS_DIR)) {
      if (name.endsWith('.wasm') && name !== LANGUAGES.python.wasm) await copyFile(join(ASSETS_DIR, name), join(brokenDir, name));
    }
  });
  after(() => rm(brokenDir, { recursive: true, force: true }));

  it('disables only that language, with a message naming the language and the file', async () => {
    const grammars = new Grammars(brokenDir);
    const states = await checkLanguages(grammars);
    const python = states.find((s) => s.id === 'python');
    assert.equal(python?.ready, false);
    assert.match(python?.detail ?? '', /Python grammar could not be loaded from .*tree-sitter-python\.wasm/);
    assert.match(python?.detail ?? '', /other languages still work/);
    assert.deepEqual(states.filter((s) => s.ready).map((s) => s.id), ['typescript', 'tsx', 'javascript']);
    const disabled = await grammars.disabled();
    assert.deepEqual(disabled.map((e) => e.language), ['python']);
    await assert.rejects(grammars.load('python'), (e: unknown) => isGrammarLoadError(e) && e.language === 'python');
  });
});

describe('parse limits', () => {
  it('stops a parse that runs past its work limit and says which file', async () => {
    const grammars = new Grammars(ASSETS_DIR);
    const huge = 'function f() { return [' + '1, '.repeat(400_000) + ']; }\n';
    await assert.rejects(
      withTree(grammars, 'javascript', huge, { file: 'huge.js', stepsPerChar: 0.001 }, () => 'parsed'),
      (e: unknown) => e instanceof ParseStoppedError && e.reason === 'work' && /Parsing huge\.js was stopped after 11,\d{3} parser steps, the limit for 1,200,028 characters/.test(e.message),
    );
    // The parser is still usable afterwards.
    const ok = await withTree(grammars, 'javascript', 'let a = 1;', { file: 'small.js' }, (t) => t.rootNode.type);
    assert.equal(ok, 'program');
  });
});
