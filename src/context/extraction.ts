import type { TokenBudget } from './budget';
import type { SymbolKind } from './declarations';
import type { DenyVerdict } from './denyList';
import type { OmittedPiece } from './payload';
import type { ParseStopReason } from './parser';
import type { PiecePlace } from './piece';
import type { SecretKind } from './secretPatterns';
import type { Selector } from './select';
import type { EncodingName } from './tokens';

/** One extraction: which symbol, in which file, under which deny-list and budget. */
export interface ExtractRequest {
  /** Workspace root: paths in the payload are relative to it; the deny-list is anchored at it. */
  readonly root: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** Unsaved editor text; wins over the file on disk. */
  readonly text?: string;
  readonly selector: Selector;
  /** User globs (contextGateway.context.exclude), gitignore syntax. */
  readonly exclude?: readonly string[];
  /** The payload's limit when no shared budget is given (contextGateway.context.maxTokens). */
  readonly maxTokens?: number;
  /** A budget shared across extractions: packed within its remainder, charged on success. */
  readonly budget?: TokenBudget;
  readonly encoding?: EncodingName;
  /** Multiplies raw counts before they meet the budget (see encodingForModel); default 1. */
  readonly factor?: number;
}

/** A piece as reported: where it came from and what it costs (with its header). */
export interface PieceReport extends PiecePlace {
  readonly tokens: number;
}

export interface RedactionReport {
  readonly kind: SecretKind;
  readonly file: string;
  readonly line: number;
}

/** Everything `extract --json` prints: what is sent, what it costs, what was left out and why. */
export interface ExtractResult {
  readonly target: {
    readonly symbol: string;
    readonly kind: SymbolKind;
    readonly file: string;
    readonly startLine: number;
    readonly endLine: number;
    readonly text: string;
  };
  readonly language: string;
  readonly pieces: PieceReport[];
  /** The exact text that would be sent. */
  readonly payload: string;
  readonly tokens: {
    readonly payload: number;
    readonly wholeFile: number;
    readonly budget: number;
    readonly encoding: EncodingName;
    readonly factor: number;
  };
  readonly omitted: OmittedPiece[];
  readonly excluded: DenyVerdict[];
  readonly redacted: RedactionReport[];
  /** Parses of context a limit stopped, and what the payload lacks for it; the target's own parse stopping is an error instead. */
  readonly stopped: StoppedParseReport[];
}

/** A parse a limit stopped (parser.ts): nothing from that file, or those statements, is in the payload. */
export interface StoppedParseReport {
  readonly file: string;
  readonly reason: ParseStopReason;
  /** What is missing because of it: `imported signatures` (a file of the cross-file hop) or `referenced signatures` (statements of a large file). */
  readonly missing: string;
  readonly message: string;
}

/** One definition of a file, for list_symbols and pickers. */
export interface SymbolInfo {
  /** Qualified name, usable as `{ symbol }` in a selector. */
  readonly symbol: string;
  readonly kind: SymbolKind;
  readonly startLine: number;
  readonly endLine: number;
}
