import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { isRelativeSource } from '../context/imports';
import { languageForPath } from '../context/languages';
import { resolveModule } from '../context/moduleFiles';

/** A file a tool call names, or what was wrong with the name, in words the model can act on. */
export type FileArgument = { readonly file: string } | { readonly problem: string };

const isFile = (path: string) => stat(path).then((s) => s.isFile(), () => false);

/**
 * The file a tool call's `file` names: the target's file when absent; a path relative to the
 * workspace root when one exists there; else a module specifier (`./helper`, Python `.helper`)
 * resolved as the target's file imports it. The deny-list judges the result, not this.
 */
export async function fileArgument(root: string, defaultFile: string, value: unknown): Promise<FileArgument> {
  if (value === undefined || value === null || value === '') return { file: defaultFile };
  if (typeof value !== 'string') return { problem: '"file" must be a path relative to the workspace root, or a module specifier such as "./helper".' };
  const path = resolve(root, value);
  const language = languageForPath(defaultFile);
  if (!language || !isRelativeSource(value, language) || (await isFile(path))) return { file: path };
  const module = await resolveModule(defaultFile, value, language);
  if (module) return { file: module };
  const from = relative(root, defaultFile).split(sep).join('/');
  return {
    problem: `"${value}" is neither a file relative to the workspace root nor a module that ${from} can import (no file found for it). ` +
      `Pass a path relative to the workspace root, such as "${from}".`,
  };
}
