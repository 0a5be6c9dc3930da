// Builds the extension and the CLI into dist/, and copies the runtime assets they load lazily
// (tree-sitter's runtime and grammar .wasm files, the tokenizer's rank tables) next to them, so
// nothing is resolved from node_modules at run time.
//   node esbuild.mjs               development build (source maps)
//   node esbuild.mjs --production  minified, no source maps (what the .vsix ships)
//   node esbuild.mjs --watch       rebuild on change, with problem-matcher friendly output
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);
const outdir = 'dist';

/** Folder of an installed package, found through its package.json (no package here exports it). */
function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`, { paths: [process.cwd()] }));
}

/** [source, name in dist/] of every .wasm the context engine loads. */
export function wasmAssets() {
  const ts = packageDir('tree-sitter-typescript');
  return [
    [join(dirname(require.resolve('web-tree-sitter')), 'web-tree-sitter.wasm'), 'web-tree-sitter.wasm'],
    [join(ts, 'tree-sitter-typescript.wasm'), 'tree-sitter-typescript.wasm'],
    [join(ts, 'tree-sitter-tsx.wasm'), 'tree-sitter-tsx.wasm'],
    [join(packageDir('tree-sitter-javascript'), 'tree-sitter-javascript.wasm'), 'tree-sitter-javascript.wasm'],
    [join(packageDir('tree-sitter-python'), 'tree-sitter-python.wasm'), 'tree-sitter-python.wasm'],
  ];
}

async function copyAssets() {
  await mkdir(outdir, { recursive: true });
  await Promise.all(wasmAssets().map(([from, name]) => copyFile(from, join(outdir, name))));
}

/** Prints the lines VS Code's `$esbuild-watch` problem matcher looks for. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const pkg = JSON.parse(await readFile("package.json", "utf8"));

const common = {
  define: { CLI_VERSION: JSON.stringify(pkg.version) },
  // Import statements would pick web-tree-sitter's ESM build, which needs import.meta.url (absent
  // in a CJS bundle); its CJS build locates files from __dirname and our locateFile instead.
  alias: { 'web-tree-sitter': join(dirname(require.resolve('web-tree-sitter')), 'web-tree-sitter.cjs') },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: watch ? 'silent' : 'warning',
  legalComments: production ? 'external' : 'none',
  plugins: watch ? [problemMatcher] : [],
};

const builds = [
  // The extension host loads this; `vscode` is provided by the host.
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir, external: ['vscode'] },
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir, banner: { js: '#!/usr/bin/env node' } },
  // Rank tables are megabytes of string: separate files, required only when a count is first needed.
  {
    ...common,
    entryPoints: {
      'ranks/o200k_base': 'node_modules/js-tiktoken/dist/ranks/o200k_base.cjs',
      'ranks/cl100k_base': 'node_modules/js-tiktoken/dist/ranks/cl100k_base.cjs',
    },
    outdir,
    sourcemap: false,
    legalComments: 'none',
  },
];

await rm(outdir, { recursive: true, force: true });
await copyAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
