// node test/bench/run.mjs <name> [args...]: bundles test/bench/<name>.ts (packages stay external)
// and runs it with the given arguments. Benchmarks print figures; they assert nothing.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error('usage: node test/bench/run.mjs <name> [args...]  (a file test/bench/<name>.ts)');
  process.exit(2);
}
await esbuild.build({
  entryPoints: [`test/bench/${name}.ts`],
  outfile: `out/bench/${name}.js`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--expose-gc', `out/bench/${name}.js`, ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
