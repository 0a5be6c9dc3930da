import type { BpeRanks } from './bpeRanks';
import { CountCache } from './countCache';
import type { EncodingName } from './tokens';

/**
 * Longest run counted in one go. BPE is quadratic in a pre-token's length and the
 * pre-tokenizer keeps a run of letters whole (50k repeated characters would take minutes);
 * cutting runs at 128 characters bounds that, and can only raise the count slightly, which
 * errs on the safe side of a budget.
 */
export const MAX_RUN = 128;

/**
 * Counts tokens as the encoding's tokenizer would: the same pre-tokenizer (the encoding's own
 * pattern), then byte-pair merging per pre-token, with counts cached per pre-token. Code
 * repeats its words, so most pre-tokens are cache hits. Exact unless a run exceeds MAX_RUN.
 */
export class TokenCounter {
  private readonly words: CountCache<string, number>;
  private readonly pattern: RegExp;

  constructor(readonly encoding: EncodingName, private readonly ranks: BpeRanks, preTokenizer: string, cacheSize = 200_000) {
    this.pattern = new RegExp(preTokenizer, 'gu');
    this.words = new CountCache(cacheSize);
  }

  count(text: string): number {
    const pattern = new RegExp(this.pattern); // own lastIndex: count() may be re-entered by a caller
    let total = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      const word = m[0];
      total += word.length > MAX_RUN ? this.countLongRun(word) : this.countWord(word);
    }
    return total;
  }

  private countWord(word: string): number {
    let n = this.words.get(word);
    if (n === undefined) {
      n = this.ranks.count(Buffer.from(word, 'utf8').toString('latin1'));
      this.words.set(word, n);
    }
    return n;
  }

  private countLongRun(run: string): number {
    let total = 0;
    for (let at = 0; at < run.length;) {
      let end = Math.min(run.length, at + MAX_RUN);
      // Never cut a surrogate pair in two: half a character is not valid UTF-8.
      const last = run.charCodeAt(end - 1);
      if (end < run.length && last >= 0xd800 && last <= 0xdbff) end--;
      total += this.countWord(run.slice(at, end));
      at = end;
    }
    return total;
  }
}
