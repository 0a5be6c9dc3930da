// npm run bench:context: the context engine on large real files, against Repomix --compress.
// Bundles contextBench.ts (the engine from src/, like the CLI) and runs it with --expose-gc so
// memory can be measured after a full collection. Arguments pass through:
//   node test/bench/context.mjs [--runs 5] [--warm-runs 20] [--repomix-runs 3] [--memory-runs 1000]
// `--entry <name>` first runs test/bench/<name>.ts the same way instead (npm run bench:load).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const entry = args[0] === '--entry' ? args[1] : 'contextBench';
const passed = args[0] === '--entry' ? args.slice(2) : args;
await esbuild.build({
  entryPoints: [`test/bench/${entry}.ts`],
  outfile: `out/bench/${entry}.js`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // The CJS build of web-tree-sitter, as in esbuild.mjs.
  alias: { 'web-tree-sitter': join(dirname(require.resolve('web-tree-sitter')), 'web-tree-sitter.cjs') },
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--expose-gc', `out/bench/${entry}.js`, ...passed], { stdio: 'inherit' });
process.exit(run.status ?? 1);
