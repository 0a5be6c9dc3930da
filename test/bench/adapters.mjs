// node test/bench/adapters.mjs: bundles test/bench/adapterCost.ts and runs it (prints figures).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';

await esbuild.build({
  entryPoints: ['test/bench/adapterCost.ts'],
  outfile: 'out/bench/adapterCost.js',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['out/bench/adapterCost.js'], { stdio: 'inherit' });
process.exit(run.status ?? 1);
