import { Parser, type Range, type Tree } from 'web-tree-sitter';
import { ContextError } from './contextError';
import type { Grammars } from './grammars';
import type { LanguageId } from './languages';

/** A parse that ran past its time limit; the file is too large or pathological to parse now. */
export class ParseTimeoutError extends ContextError {
  readonly isParseTimeoutError = true;
  readonly code = 'parse-timeout';
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
  /** Parse only these stretches of the text (in order, not overlapping); positions stay the file's. */
  readonly includedRanges?: Range[];
}

export const DEFAULT_PARSE_TIMEOUT_MS = 5_000;

/**
 * Parses text into a tree the caller owns and must `delete()`: WASM memory is not garbage
 * collected, so a tree dropped without `delete()` leaks for the life of the process.
 */
export async function parseTree(grammars: Grammars, language: LanguageId, text: string, options: ParseOptions): Promise<Tree> {
  const grammar = await grammars.load(language);
  const parser = new Parser();
  try {
    parser.setLanguage(grammar);
    const timeoutMs = options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
    const deadline = performance.now() + timeoutMs;
    const tree = parser.parse(text, null, { includedRanges: options.includedRanges, progressCallback: () => performance.now() > deadline });
    if (!tree) throw new ParseTimeoutError(options.file, timeoutMs);
    return tree;
  } finally {
    parser.delete();
  }
}

/** Parses text, hands the tree to `use`, then frees the tree whatever `use` does. */
export async function withTree<T>(
  grammars: Grammars,
  language: LanguageId,
  text: string,
  options: ParseOptions,
  use: (tree: Tree) => T,
): Promise<T> {
  const tree = await parseTree(grammars, language, text, options);
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
