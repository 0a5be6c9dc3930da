// npm run bench:context: the context engine on large real files, against Repomix --compress.
// Bundles contextBench.ts (the engine from src/, like the CLI) and runs it with --expose-gc so
// memory can be measured after a full collection. Arguments pass through:
//   node test/bench/context.mjs [--runs 5] [--warm-runs 20] [--repomix-runs 3] [--memory-runs 1000]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
await esbuild.build({
  entryPoints: ['test/bench/contextBench.ts'],
  outfile: 'out/bench/contextBench.js',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // The CJS build of web-tree-sitter, as in esbuild.mjs.
  alias: { 'web-tree-sitter': join(dirname(require.resolve('web-tree-sitter')), 'web-tree-sitter.cjs') },
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--expose-gc', 'out/bench/contextBench.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
