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
 * Packs pieces by priority under a limit: each piece is charged its block's count, a piece that
 * does not fit is left out (and a note saying so is charged instead), and smaller ones after it
 * may still fit. The rendered payload is then counted whole, as sent; if joining made it a
 * few tokens larger than the sum, the lowest-priority piece kept goes too, until it fits.
 * The target is always kept: the caller refuses a payload whose count is still over the limit.
 */
export function packPieces(
  pieces: readonly ReadyPiece[],
  limit: number,
  layout: PayloadLayout,
  excluded: readonly DenyVerdict[],
  count: (text: string) => number,
): Packed {
  const ordered = [...pieces].sort((a, b) => a.priority - b.priority);
  const kept: ReadyPiece[] = [];
  const omitted: OmittedPiece[] = [];
  const omit = (p: ReadyPiece, tokens: number, reason: string) =>
    omitted.push({ role: p.role, file: p.file, symbol: p.symbol, startLine: p.startLine, endLine: p.endLine, tokens, reason });
  let used = excluded.reduce((n, v) => n + count(layout.excludedLine(v)), 0);
  for (const piece of ordered) {
    const tokens = count(layout.block(piece));
    if (used + tokens <= limit || piece.role === 'target') {
      kept.push(piece);
      used += tokens;
    } else {
      omit(piece, tokens, `over budget (${Math.max(0, limit - used)} tokens left)`);
      used += count(layout.omittedLine(omitted[omitted.length - 1]!));
    }
  }
  for (;;) {
    const payload = layout.render(kept, omitted, excluded);
    const tokens = count(payload);
    if (tokens <= limit) return { kept, omitted, payload, tokens };
    if (kept.length <= 1) {
      // Only the target is left and the notes tip it over: the report still lists what is missing.
      const bare = layout.render(kept, [], []);
      return { kept, omitted, payload: bare, tokens: count(bare) };
    }
    const dropped = kept.pop()!;
    omit(dropped, count(layout.block(dropped)), 'over budget once the payload was counted whole');
  }
}
