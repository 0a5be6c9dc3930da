import { Parser, type Range, type Tree } from 'web-tree-sitter';
import { ContextError } from './contextError';
import type { Grammars } from './grammars';
import type { LanguageId } from './languages';

/** Which limit stopped a parse: the input's size, the parser's work, or (last resort) the wall clock. */
export type ParseStopReason = 'size' | 'work' | 'time';

/**
 * A parse a limit stopped: no tree, so nothing is derived from a part of the file. Size and
 * work are properties of the text, so the same text stops the same way on any machine.
 */
export class ParseStoppedError extends ContextError {
  readonly isParseStoppedError = true;
  readonly code = 'parse-stopped';
  constructor(readonly file: string, readonly reason: ParseStopReason, readonly limit: number, message: string) {
    super(message);
  }
}

/** True for a parse a limit stopped. */
export function isParseStoppedError(e: unknown): e is ParseStoppedError {
  return typeof e === 'object' && e !== null && (e as ParseStoppedError).isParseStoppedError === true;
}

/** What one parse may take. Defaults: DEFAULT_PARSE_LIMITS. */
export interface ParseLimits {
  /** Characters one parse takes in (the included ranges only); a larger input is refused before parsing. */
  readonly maxChars?: number;
  /**
   * Parser steps allowed per character parsed, beyond a fixed allowance. A step is one call of
   * tree-sitter's progress callback (about 100 parser operations); real code takes under 0.05.
   */
  readonly stepsPerChar?: number;
  /** Last resort, in wall-clock ms, for a parse the other limits let through that still does not end. */
  readonly timeoutMs?: number;
}

export interface ParseOptions extends ParseLimits {
  /** Shown in errors. */
  readonly file: string;
  /** Parse only these stretches of the text (in order, not overlapping); positions stay the file's. */
  readonly includedRanges?: Range[];
}

/**
 * Real files measured: typescript.js (9.1 MB) takes 0.006 steps a character and 2 s; the
 * hardest code-like and garbage inputs tried 0.04. The wall clock only catches what these let
 * through, so it is set far above any ordinary parse on a busy machine.
 */
export const DEFAULT_PARSE_LIMITS: Required<ParseLimits> = { maxChars: 20_000_000, stepsPerChar: 0.5, timeoutMs: 60_000 };
/** Steps every parse may take whatever its size: a small file is never stopped for work. */
const BASE_STEPS = 10_000;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Parses text into a tree the caller owns and must `delete()`: WASM memory is not garbage
 * collected, so a tree dropped without `delete()` leaks for the life of the process.
 */
export async function parseTree(grammars: Grammars, language: LanguageId, text: string, options: ParseOptions): Promise<Tree> {
  const maxChars = options.maxChars ?? DEFAULT_PARSE_LIMITS.maxChars;
  const chars = options.includedRanges?.length ? options.includedRanges.reduce((n, r) => n + r.endIndex - r.startIndex, 0) : text.length;
  if (chars > maxChars) {
    throw new ParseStoppedError(options.file, 'size', maxChars, `${options.file} has ${count(chars)} characters, over the ${count(maxChars)} one parse may take, ` +
      'so it was not parsed. Select a symbol in a smaller file.');
  }
  const grammar = await grammars.load(language);
  const maxSteps = BASE_STEPS + Math.ceil(chars * (options.stepsPerChar ?? DEFAULT_PARSE_LIMITS.stepsPerChar));
  const timeoutMs = options.timeoutMs ?? DEFAULT_PARSE_LIMITS.timeoutMs;
  const parser = new Parser();
  try {
    parser.setLanguage(grammar);
    let steps = 0;
    let stop: ParseStopReason | undefined;
    const deadline = performance.now() + timeoutMs;
    const tree = parser.parse(text, null, {
      includedRanges: options.includedRanges,
      // The callback's return value cancels the parse (the typings say void; the runtime reads it).
      progressCallback: (() => {
        if (++steps > maxSteps) stop = 'work';
        else if (performance.now() > deadline) stop = 'time';
        return stop !== undefined;
      }) as (state: unknown) => void,
    });
    if (tree) return tree;
    if (stop === 'work') {
      throw new ParseStoppedError(options.file, 'work', maxSteps, `Parsing ${options.file} was stopped after ${count(steps)} parser steps, the limit for ` +
        `${count(chars)} characters: the text is not code the grammar can read in reasonable time. Select a symbol in another file.`);
    }
    throw new ParseStoppedError(options.file, 'time', timeoutMs, `Parsing ${options.file} was stopped after ${count(timeoutMs)} ms of wall time ` +
      `(${count(steps)} parser steps, within the work limit): the machine may be very busy. Try again.`);
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
