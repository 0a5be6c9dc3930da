/** A rank table as shipped in dist/ranks/*.js (js-tiktoken's format). */
export interface RankTable {
  readonly pat_str: string;
  readonly bpe_ranks: string;
}

/** Lines of the table converted per slice before yielding, so building never blocks for long. */
const LINES_PER_SLICE = 400;

/**
 * Merge ranks of one byte-pair encoding, keyed by a token's bytes as a latin1 string (one
 * char per byte), which is cheaper to build and look up than js-tiktoken's comma-joined keys.
 */
export class BpeRanks {
  private constructor(private readonly ranks: Map<string, number>) {}

  /** Builds in slices, yielding to the event loop between them (the extension host stays responsive). */
  static async build(table: RankTable, signal?: AbortSignal): Promise<BpeRanks> {
    const ranks = new Map<string, number>();
    const lines = table.bpe_ranks.split('\n');
    for (let at = 0; at < lines.length; at += LINES_PER_SLICE) {
      signal?.throwIfAborted();
      addLines(ranks, lines, at, Math.min(lines.length, at + LINES_PER_SLICE));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return new BpeRanks(ranks);
  }

  static buildSync(table: RankTable): BpeRanks {
    const ranks = new Map<string, number>();
    const lines = table.bpe_ranks.split('\n');
    addLines(ranks, lines, 0, lines.length);
    return new BpeRanks(ranks);
  }

  /**
   * How many tokens byte-pair merging makes of one pre-token (its UTF-8 bytes as latin1): the
   * whole piece when it is a token, else merge the lowest-ranked adjacent pair (the leftmost on
   * ties) until no pair is a token, as tiktoken does.
   */
  count(bytes: string): number {
    if (bytes.length <= 1 || this.ranks.has(bytes)) return 1;
    const starts: number[] = [];
    for (let i = 0; i <= bytes.length; i++) starts.push(i);
    // starts holds part boundaries; parts are [starts[i], starts[i+1]).
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 2 < starts.length; i++) {
        const rank = this.ranks.get(bytes.slice(starts[i], starts[i + 2]));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      starts.splice(best + 1, 1);
    }
    return starts.length - 1;
  }
}

function addLines(ranks: Map<string, number>, lines: string[], from: number, to: number): void {
  for (let l = from; l < to; l++) {
    const line = lines[l]!;
    if (!line) continue;
    // "<label> <first rank> <base64 token> <base64 token> ...", ranks consecutive from the first.
    const fields = line.split(' ');
    const first = Number(fields[1]);
    for (let i = 2; i < fields.length; i++) ranks.set(Buffer.from(fields[i]!, 'base64').toString('latin1'), first + i - 2);
  }
}
