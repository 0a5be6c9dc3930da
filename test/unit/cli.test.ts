import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './assets';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** Top-level functions and classes of a Python file per Python's own `ast`, decorators included. */
function pythonDefinitions(module: string): { file: string; defs: Array<{ name: string; startLine: number; endLine: number }> } {
  const script = `
import ast, json, importlib
m = importlib.import_module(${JSON.stringify(module)})
tree = ast.parse(open(m.__file__).read())
defs = [{"name": n.name, "startLine": min([n.lineno] + [d.lineno for d in n.decorator_list]), "endLine": n.end_lineno}
        for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
print(json.dumps({"file": m.__file__, "defs": defs}))`;
  return JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
}

describe('cli', () => {
  it('prints help with the commands and exits 0', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage:/);
    assert.match(r.stdout, /symbols <file>/);
  });

  for (const module of ['json.decoder', 'dataclasses', 'argparse']) {
    it(`lists the same top-level definitions as Python's ast for ${module}`, () => {
      const expected = pythonDefinitions(module);
      const r = cli('symbols', expected.file, '--json');
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { tokens: number; symbols: Array<{ name: string; kind: string; startLine: number; endLine: number }> };
      const got = out.symbols.filter((s) => s.kind === 'function' || s.kind === 'class').map(({ name, startLine, endLine }) => ({ name, startLine, endLine }));
      assert.ok(expected.defs.length > 3, 'the module should have definitions');
      assert.deepEqual(got, expected.defs);
      assert.ok(out.tokens > 1000);
    });
  }

  it('reports an unsupported file type on stderr with exit code 1 and nothing on stdout', () => {
    const r = cli('symbols', join(REPO_ROOT, 'package.json'));
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /package\.json: this file type is not supported\. Supported: \.ts/);
  });

  it('reports a missing file and bad usage distinctly', () => {
    const missing = cli('symbols', '/nonexistent/file.ts');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /Cannot read \/nonexistent\/file\.ts: no such file/);
    const unknown = cli('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    const badOption = cli('symbols', 'a.ts', '--nope');
    assert.equal(badOption.status, 2);
    assert.match(badOption.stderr, /--nope/);
  });
});
