import type { SymbolKind } from './declarations';

/** What a piece of context is for; the payload is laid out and packed by role. */
export type PieceRole = 'target' | 'imports' | 'class-outline' | 'signature' | 'imported-signature';

/** Reading order in the payload: what the target uses is read before the target. */
export const ROLE_ORDER: readonly PieceRole[] = ['imports', 'class-outline', 'target', 'signature', 'imported-signature'];

/** Contiguous source lines (or the start of them, before an elided body). */
export interface Chunk {
  readonly text: string;
  /** 1-based line of the chunk's first line in its file. */
  readonly line: number;
}

/** Which piece and where it comes from: what every report of a piece names. */
export interface PiecePlace {
  readonly role: PieceRole;
  /** Absolute in pieces; relative to the workspace root in reports. */
  readonly file: string;
  /** `Class.method`, or `imports`. */
  readonly symbol: string;
  readonly kind?: SymbolKind;
  /** 1-based, inclusive: the lines of the text that is sent. */
  readonly startLine: number;
  readonly endLine: number;
}

/** One piece of context: the target, or something that makes it understandable. */
export interface Piece extends PiecePlace {
  readonly chunks: readonly Chunk[];
  /** Packing order: lower goes first; the target is 0 and must fit. */
  readonly priority: number;
}

/** A piece as it will be sent: text joined and secrets redacted. */
export interface ReadyPiece extends Omit<Piece, 'chunks'> {
  readonly text: string;
}

/** The text of a piece's chunks, in order. */
export function pieceText(chunks: readonly Chunk[]): string {
  return chunks.map((c) => c.text).join('\n');
}
