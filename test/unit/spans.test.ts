import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { declarationSpan } from '../../src/context/declarationSpan';
import { Grammars } from '../../src/context/grammars';
import { languageForPath } from '../../src/context/languages';
import { ParsedFile } from '../../src/context/parsedFiles';
import { parseTree } from '../../src/context/parser';
import { selectTarget } from '../../src/context/select';
import { ASSETS_DIR, REPO_ROOT } from './assets';
import { pythonModuleFiles, pythonSpans, typescriptSpans, uniquePaths, type ReferenceSpan } from './referenceSpans';

const grammars = new Grammars(ASSETS_DIR);
const parsed: ParsedFile[] = [];
after(() => parsed.forEach((p) => p.tree.delete()));

async function parse(file: string): Promise<ParsedFile> {
  const text = readFileSync(file, 'utf8');
  const language = languageForPath(file)!;
  const p = new ParsedFile(file, language, text, await parseTree(grammars, language, text, { file, timeoutMs: 60_000 }));
  parsed.push(p);
  return p;
}

/**
 * Selects every reference definition by its qualified name, and again by the position of its
 * name, and compares what the engine selects and the lines it gives with the reference.
 */
async function compare(file: string, reference: ReferenceSpan[], minimum: number): Promise<void> {
  const p = await parse(file);
  const expected = uniquePaths(reference);
  assert.ok(expected.length >= minimum, `${file}: only ${expected.length} definitions to compare`);
  const got = expected.map(({ path }) => {
    const span = declarationSpan(selectTarget(p.index, p.text, { symbol: path }, file), p.index, p.text);
    return { path, startLine: span.startLine, endLine: span.endLine };
  });
  const wrong = got.filter((g, i) => g.startLine !== expected[i]!.startLine || g.endLine !== expected[i]!.endLine);
  assert.deepEqual(wrong.slice(0, 8), expected.filter((e) => wrong.some((w) => w.path === e.path)).slice(0, 8).map(({ at: _, ...e }) => e),
    `${wrong.length} of ${expected.length} spans differ in ${file}`);
  const byPosition = expected.map(({ at }) => selectTarget(p.index, p.text, at, file).path);
  const misplaced = expected.filter((e, i) => byPosition[i] !== e.path).map((e) => `${e.path} at ${e.at.line}:${e.at.column} selected ${byPosition[expected.indexOf(e)]}`);
  assert.deepEqual(misplaced.slice(0, 8), [], `${misplaced.length} of ${expected.length} positions select another definition in ${file}`);
}

const modules = join(REPO_ROOT, 'node_modules');
const TYPESCRIPT_FILES: Array<[string, number]> = [
  ['typescript/lib/typescript.d.ts', 2500],
  ['@types/node/fs.d.ts', 100],
  ['@types/node/http.d.ts', 50],
  ['@types/node/stream.d.ts', 50],
  ['@types/node/child_process.d.ts', 20],
  ['@types/node/crypto.d.ts', 100],
  ['undici/lib/dispatcher/client.js', 20],
  ['undici/lib/dispatcher/client-h1.js', 30],
  ['undici/lib/web/fetch/index.js', 20],
  ['undici/lib/core/util.js', 40],
  ['minimatch/dist/commonjs/ast.js', 10],
  ['minimatch/dist/commonjs/index.js', 20],
  ['minimatch/dist/commonjs/index.d.ts', 10],
  ['cockatiel/dist/CircuitBreakerPolicy.js', 5],
  ['cockatiel/dist/CircuitBreakerPolicy.d.ts', 5],
];

describe('target spans equal the TypeScript compiler\'s on real files', () => {
  for (const [relative, minimum] of TYPESCRIPT_FILES) {
    it(relative, async () => {
      const file = join(modules, relative);
      await compare(file, typescriptSpans(file, readFileSync(file, 'utf8')), minimum);
    });
  }
});

// Methods, decorated functions, nested classes, definitions inside module-level if/try blocks.
const PYTHON_MODULES: Array<[string, number]> = [
  ['argparse', 100], ['dataclasses', 40], ['typing', 200], ['functools', 40], ['enum', 80], ['subprocess', 50],
  ['os', 40], ['_pydecimal', 200], ['asyncio.base_events', 80], ['collections', 100],
];

describe('target spans equal Python\'s ast on the standard library', () => {
  const files = pythonModuleFiles(PYTHON_MODULES.map(([m]) => m));
  const reference = pythonSpans(files);
  PYTHON_MODULES.forEach(([module, minimum], i) => {
    it(module, async () => {
      await compare(files[i]!, reference[files[i]!]!, minimum);
    });
  });
});
