// Bundles the TypeScript tests for plain Node (unit) and for the extension host (host suite).
// Packages stay external: they are required from node_modules at run time, as in a test run.
import * as esbuild from 'esbuild';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

async function filesUnder(dir, pattern) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && pattern.test(e.name)).map((e) => join(e.parentPath ?? e.path, e.name));
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  external: ['vscode'],
  sourcemap: 'inline',
  sourcesContent: false,
  logLevel: 'warning',
  outbase: 'test',
  outdir: 'out/test',
};

await rm('out/test', { recursive: true, force: true });
const unit = await filesUnder('test/unit', /\.test\.ts$/);
const host = await filesUnder('test/host/suite', /\.ts$/);
const helpers = await filesUnder('test/support', /\.ts$/).catch(() => []);
// Fake provider servers: the library (index.js) for host tests and serve.js for the command line.
const fakes = ['test/fakes/index.ts', 'test/fakes/serve.ts'];
await Promise.all([
  esbuild.build({ ...common, entryPoints: unit }),
  esbuild.build({ ...common, entryPoints: host }),
  helpers.length ? esbuild.build({ ...common, entryPoints: helpers }) : undefined,
  esbuild.build({ ...common, entryPoints: fakes }),
]);
