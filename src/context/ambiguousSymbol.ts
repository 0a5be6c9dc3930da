import { ContextError } from './contextError';
import type { SymbolKind } from './declarations';

/** A definition a name may mean, as the model is shown it (file relative to the workspace root). */
export interface SymbolCandidate {
  readonly file: string;
  readonly symbol: string;
  readonly kind: SymbolKind;
  readonly startLine: number;
  readonly endLine: number;
}

/** Candidates named in the message; the rest are counted. */
const MAX_LISTED = 10;

/** A name defined in more than one file of the workspace: the candidates, never a guess. */
export class AmbiguousSymbolError extends ContextError {
  readonly isAmbiguousSymbolError = true;
  readonly code = 'ambiguous-symbol';
  readonly candidates: readonly SymbolCandidate[];
  constructor(readonly symbol: string, candidates: readonly SymbolCandidate[], note = '') {
    const listed = candidates.slice(0, MAX_LISTED);
    const more = candidates.length - listed.length;
    super(`"${symbol}" is defined in ${candidates.length} places: ` +
      listed.map((c) => `${c.file} (${c.kind} ${c.symbol}, lines ${c.startLine}-${c.endLine})`).join(', ') +
      `${more > 0 ? `, and ${more} more` : ''}.${note ? ` ${note}` : ''} Call again with "file" set to the one you mean.`);
    this.candidates = listed;
  }
}

export function isAmbiguousSymbolError(e: unknown): e is AmbiguousSymbolError {
  return typeof e === 'object' && e !== null && (e as AmbiguousSymbolError).isAmbiguousSymbolError === true;
}
