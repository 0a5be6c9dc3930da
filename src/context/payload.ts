import { relative, sep } from 'node:path';
import type { DenyVerdict } from './denyList';
import type { LanguageId } from './languages';
import { ROLE_ORDER, type PiecePlace, type PieceRole, type ReadyPiece } from './piece';

/** A piece the budget left out, as reported to the user (never silently dropped). */
export interface OmittedPiece extends PiecePlace {
  readonly tokens: number;
  readonly reason: string;
}

const LABELS: Record<PieceRole, string> = {
  target: 'target',
  imports: 'imports',
  'class-outline': 'class outline',
  signature: 'signature',
  'imported-signature': 'imported signature',
};

/** How the payload names a file: relative to the workspace root, `/` separators. */
export function displayPath(root: string, file: string): string {
  const rel = relative(root, file);
  return (rel && !rel.startsWith('..') ? rel : file).split(sep).join('/');
}

/**
 * Lays pieces out as the text that is sent: one header line per piece in the language's line
 * comment (`// ==== target: method Routes.parse (src/routes.ts:85-138) ====`), imports and the
 * class outline before the target, signatures after, then what was left out and why.
 */
export class PayloadLayout {
  private readonly comment: string;

  constructor(private readonly root: string, language: LanguageId) {
    this.comment = language === 'python' ? '#' : '//';
  }

  header(piece: PiecePlace): string {
    const where = `${displayPath(this.root, piece.file)}:${piece.startLine}-${piece.endLine}`;
    const what = piece.role === 'imports' ? '' : `: ${piece.kind ? `${piece.kind} ` : ''}${piece.symbol}`;
    return `${this.comment} ==== ${LABELS[piece.role]}${what} (${where}) ====`;
  }

  block(piece: ReadyPiece): string {
    return `${this.header(piece)}\n${piece.text}\n`;
  }

  omittedLine(o: OmittedPiece): string {
    const what = o.role === 'imports' ? '' : ` ${o.kind ? `${o.kind} ` : ''}${o.symbol}`;
    return `${this.comment} ==== omitted: ${LABELS[o.role]}${what} (${displayPath(this.root, o.file)}:${o.startLine}-${o.endLine}), ${o.tokens} tokens: ${o.reason} ====\n`;
  }

  /** One line for all omitted pieces, when a line each does not fit. */
  omittedSummary(omitted: readonly OmittedPiece[]): string {
    const tokens = omitted.reduce((n, o) => n + o.tokens, 0);
    return `${this.comment} ==== omitted: ${omitted.length} pieces, ${tokens} tokens: over budget (listed in the report) ====\n`;
  }

  excludedLine(v: DenyVerdict): string {
    return `${this.comment} ==== excluded: ${v.file} (pattern "${v.pattern}", ${v.source}) ====\n`;
  }

  /** The exact text that would be sent; `compact` reports omitted pieces in one line. */
  render(kept: readonly ReadyPiece[], omitted: readonly OmittedPiece[], excluded: readonly DenyVerdict[], compact = false): string {
    const ordered = [...kept].sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.priority - b.priority);
    const omittedNotes = compact && omitted.length > 1 ? [this.omittedSummary(omitted)] : omitted.map((o) => this.omittedLine(o));
    const notes = [...omittedNotes, ...excluded.map((v) => this.excludedLine(v))].join('');
    return [...ordered.map((p) => this.block(p)), ...(notes ? [notes] : [])].join('\n');
  }
}
