import { Parser, type Tree } from 'web-tree-sitter';
import type { Grammars } from './grammars';
import type { LanguageId } from './languages';

/** A parse that ran past its time limit; the file is too large or pathological to parse now. */
export class ParseTimeoutError extends Error {
  readonly isParseTimeoutError = true;
  constructor(readonly file: string, readonly timeoutMs: number) {
    super(`Parsing ${file} took longer than ${timeoutMs} ms and was stopped. ` +
      'Raise contextGateway.context.parseTimeoutMs, or select a symbol in a smaller file.');
  }
}

export interface ParseOptions {
  /** Shown in errors. */
  readonly file: string;
  /** Wall-clock limit for one parse. */
  readonly timeoutMs?: number;
}

export const DEFAULT_PARSE_TIMEOUT_MS = 5_000;

/**
 * Parses text and hands the tree to `use`, then frees the tree: WASM memory is not garbage
 * collected, so a tree that escapes without `delete()` leaks for the life of the process.
 */
export async function withTree<T>(
  grammars: Grammars,
  language: LanguageId,
  text: string,
  options: ParseOptions,
  use: (tree: Tree) => T,
): Promise<T> {
  const grammar = await grammars.load(language);
  const parser = new Parser();
  let tree: Tree | null = null;
  try {
    parser.setLanguage(grammar);
    const timeoutMs = options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
    const deadline = performance.now() + timeoutMs;
    tree = parser.parse(text, null, { progressCallback: () => performance.now() > deadline });
    if (!tree) throw new ParseTimeoutError(options.file, timeoutMs);
    return use(tree);
  } finally {
    tree?.delete();
    parser.delete();
  }
}
