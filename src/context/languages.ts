import { extname } from 'node:path';

/** The languages the context engine can parse. */
export type LanguageId = 'typescript' | 'tsx' | 'javascript' | 'python';

export interface LanguageInfo {
  readonly id: LanguageId;
  /** Name shown to the user. */
  readonly label: string;
  /** Grammar file, looked up in the assets folder (dist/). */
  readonly wasm: string;
  readonly extensions: readonly string[];
}

export const LANGUAGES: Readonly<Record<LanguageId, LanguageInfo>> = {
  typescript: { id: 'typescript', label: 'TypeScript', wasm: 'tree-sitter-typescript.wasm', extensions: ['.ts', '.mts', '.cts'] },
  tsx: { id: 'tsx', label: 'TSX', wasm: 'tree-sitter-tsx.wasm', extensions: ['.tsx'] },
  // The JavaScript grammar parses JSX too.
  javascript: { id: 'javascript', label: 'JavaScript', wasm: 'tree-sitter-javascript.wasm', extensions: ['.js', '.mjs', '.cjs', '.jsx'] },
  python: { id: 'python', label: 'Python', wasm: 'tree-sitter-python.wasm', extensions: ['.py', '.pyi'] },
};

const byExtension = new Map<string, LanguageId>(
  Object.values(LANGUAGES).flatMap((info) => info.extensions.map((ext) => [ext, info.id] as const)),
);

/** The language of a file by its extension, or undefined when the engine cannot parse it. */
export function languageForPath(path: string): LanguageId | undefined {
  return byExtension.get(extname(path).toLowerCase());
}

/** Every extension the engine parses, for messages that say what is supported. */
export function supportedExtensions(): string[] {
  return [...byExtension.keys()];
}
