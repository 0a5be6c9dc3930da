import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The built dist/ folder: tests load the same .wasm files and rank tables the extension ships. */
export const ASSETS_DIR = resolve(__dirname, '../../../dist');
export const REPO_ROOT = resolve(__dirname, '../../..');

if (!existsSync(resolve(ASSETS_DIR, 'web-tree-sitter.wasm'))) {
  throw new Error(`${ASSETS_DIR} has no web-tree-sitter.wasm: run "npm run build" before the unit tests.`);
}
