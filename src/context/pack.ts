import type { DenyVerdict } from './denyList';
import type { OmittedPiece, PayloadLayout } from './payload';
import type { ReadyPiece } from './piece';

export interface Packed {
  readonly kept: ReadyPiece[];
  readonly omitted: OmittedPiece[];
  readonly payload: string;
  /** The payload's count as the budget sees it (factor applied). */
  readonly tokens: number;
}

/**
 * Packs pieces by priority under a limit. A piece is kept when its block fits together with the
 * notes that would report every later piece as omitted, so the payload always has room to say
 * what it left out; a piece that does not fit is reported instead, and smaller ones after it
 * may still fit. The rendered payload is then counted whole, as sent; if joining made it a few
 * tokens larger than the sum, the lowest-priority piece kept goes too, until it fits. The target
 * is always kept: the caller refuses a payload whose count is still over the limit.
 */
export function packPieces(
  pieces: readonly ReadyPiece[],
  limit: number,
  layout: PayloadLayout,
  excluded: readonly DenyVerdict[],
  count: (text: string) => number,
): Packed {
  const ordered = [...pieces].sort((a, b) => a.priority - b.priority);
  const omission = (p: ReadyPiece, tokens: number, reason: string): OmittedPiece =>
    ({ role: p.role, file: p.file, symbol: p.symbol, kind: p.kind, startLine: p.startLine, endLine: p.endLine, tokens, reason });
  const blocks = ordered.map((p) => count(layout.block(p)));
  const notes = ordered.map((p, i) => count(layout.omittedLine(omission(p, blocks[i]!, OVER_BUDGET))));
  // reserve[i]: what reporting every piece after i as omitted would cost, a line each or one for all.
  const summary = count(layout.omittedSummary(ordered.map((p, i) => omission(p, blocks[i]!, OVER_BUDGET))));
  const reserve = notes.map((_, i) => Math.min(summary, notes.slice(i + 1).reduce((a, b) => a + b, 0)));
  const kept: ReadyPiece[] = [];
  const omitted: OmittedPiece[] = [];
  let used = excluded.reduce((n, v) => n + count(layout.excludedLine(v)), 0);
  ordered.forEach((piece, i) => {
    if (piece.role === 'target' || used + blocks[i]! + reserve[i]! <= limit) {
      kept.push(piece);
      used += blocks[i]!;
    } else {
      omitted.push(omission(piece, blocks[i]!, OVER_BUDGET));
      used += notes[i]!;
    }
  });
  for (;;) {
    for (const compact of [false, true]) {
      const payload = layout.render(kept, omitted, excluded, compact);
      const tokens = count(payload);
      if (tokens <= limit) return { kept, omitted, payload, tokens };
    }
    if (kept.length <= 1) {
      // Only the target is left and the notes tip it over: the report still lists what is missing.
      const bare = layout.render(kept, [], []);
      return { kept, omitted, payload: bare, tokens: count(bare) };
    }
    const dropped = kept.pop()!;
    omitted.push(omission(dropped, count(layout.block(dropped)), OVER_BUDGET));
  }
}

const OVER_BUDGET = 'over budget';
