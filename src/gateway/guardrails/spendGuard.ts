import type { Usage } from '../ir';
import type { Route } from '../routing/routes';

/** Money held for one try until its real cost is known. */
export interface SpendHold {
  /** The real cost replaces the hold: from usage, or the whole hold when the try may have been billed without a usage report. */
  settle(usage: Usage | undefined, possiblyBilled: boolean): void;
}

/** Guards each try by its worst-case cost; the ledger implements it. */
export interface SpendGuard {
  /**
   * Holds the worst case before a try is sent; a string says why the route cannot be afforded.
   * A shared store answers asynchronously; the local one at once, so its hot path never waits.
   */
  reserve(route: Route, inputTokens: number, maxOutputTokens: number, requestId: string): SpendHold | string | Promise<SpendHold | string>;
  /** Why the route cannot be afforded now, without holding anything; undefined when it can. */
  refusal(route: Route, inputTokens: number, maxOutputTokens: number): string | undefined;
}

/** The answer cap each try carries, so the worst case is known before sending. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;
