import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LanguageId } from './languages';

const TS_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
// TypeScript sources import './x.js' meaning './x.ts'.
const SOURCE_FOR_OUTPUT: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** Files a relative module specifier may name, most likely first. */
export function moduleCandidates(fromFile: string, source: string, language: LanguageId): string[] {
  const dir = dirname(fromFile);
  if (language === 'python') {
    const dots = /^\.+/.exec(source)?.[0].length ?? 0;
    let base = dir;
    for (let i = 1; i < dots; i++) base = dirname(base);
    const rest = source.slice(dots);
    const path = rest ? join(base, ...rest.split('.')) : base;
    return rest ? [`${path}.py`, `${path}.pyi`, join(path, '__init__.py')] : [join(path, '__init__.py')];
  }
  const path = join(dir, source);
  const ext = /\.[cm]?[jt]sx?$/.exec(source)?.[0];
  if (ext) {
    const stem = path.slice(0, -ext.length);
    return [...(SOURCE_FOR_OUTPUT[ext] ?? []).map((e) => stem + e), path];
  }
  return [...TS_EXTENSIONS.map((e) => path + e), ...TS_EXTENSIONS.map((e) => join(path, `index${e}`))];
}

/** The first candidate file that exists, or undefined (a package, or a file not on disk). */
export async function resolveModule(fromFile: string, source: string, language: LanguageId): Promise<string | undefined> {
  for (const candidate of moduleCandidates(fromFile, source, language)) {
    if (await isFile(candidate)) return candidate;
  }
  return undefined;
}
