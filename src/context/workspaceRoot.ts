import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const MARKERS = ['.contextignore', '.git', 'package.json', 'pyproject.toml', 'setup.py'];

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * The workspace a file belongs to when --root is not given: the nearest folder above it with
 * a .contextignore, .git, package.json or pyproject.toml; else the file's own folder.
 */
export async function findWorkspaceRoot(file: string): Promise<string> {
  const start = dirname(resolve(file));
  for (let dir = start; ; dir = dirname(dir)) {
    for (const marker of MARKERS) if (await exists(join(dir, marker))) return dir;
    if (dirname(dir) === dir) return start;
  }
}
