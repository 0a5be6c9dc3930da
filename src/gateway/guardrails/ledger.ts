import type { SpendGuard } from './spendGuard';

/**
 * Why new requests may not start now. `budget-invalid`: the budget setting cannot be read, so
 * nothing is sent until it is fixed.
 */
export type BudgetGate = 'budget-invalid' | 'manual-pause' | 'budget-paused' | 'budget-exhausted';

/** The budget as the status bar and `budget status` show it. */
export interface BudgetStatus {
  readonly limitUsd?: number;
  readonly period: 'day' | 'month';
  /** The period the figures belong to, in UTC: `2026-11-23` or `2026-11`. */
  readonly periodKey: string;
  /** Charged this period, unreadable journal lines included at their worst case (see `unreadableCharges`). */
  readonly spentUsd: number;
  /** Held by calls in flight in every process on the state folder. */
  readonly reservedUsd: number;
  /** (spent + reserved) / limit, in percent; undefined without a limit. */
  readonly percent?: number;
  readonly pauseAtPercent: number;
  /** Why new requests are held back now; undefined when they may go. */
  readonly gate?: BudgetGate;
  /** The user resumed past the pause threshold in this period. */
  readonly resumed: boolean;
  /** Journal lines of this month that are not valid records. */
  readonly unreadableCharges: number;
  /** What needs the user's attention (an invalid setting, an unreadable file or line), one line each. */
  readonly problems: string[];
}

/** One charge in the ledger. */
export interface LedgerEntry {
  readonly at: string;
  readonly route: string;
  readonly requestId: string;
  readonly usd: number;
  /** True when the provider gave no usage and the worst case was charged instead. */
  readonly estimated: boolean;
  /** The hold this charge settles (absent in journals written before holds were shared). */
  readonly hold?: string;
  /** The lease this charge was drawn from (a hold shared by many tries of one ledger). */
  readonly lease?: string;
}

export type BudgetEvent =
  | { readonly type: 'budget-threshold'; readonly percent: number; readonly spentUsd: number; readonly limitUsd: number }
  | { readonly type: 'budget-gate'; readonly gate: BudgetGate | undefined };

/**
 * The spend ledger and money budget, whatever keeps it: the state folder on this machine
 * (`local`) or a team's Redis (`redis`). The router holds and settles through `SpendGuard`; the
 * chain asks `gate()` before each request; the status bar and `budget status` read `status()`.
 * What is read synchronously is the backend's latest view, so a request never waits on it.
 */
export interface Ledger extends SpendGuard {
  /** Which store keeps the figures, for the status bar and `budget status`. */
  readonly backend: 'local' | 'redis';
  /** Why a new request may not start now, or undefined when it may. */
  gate(): BudgetGate | undefined;
  status(): BudgetStatus;
  /** Lifts a manual pause and the pause threshold for this period. The hard stop at 100% stays. */
  resume(): void | Promise<void>;
  /** Holds new requests back (they are queued) until `resume()`, for everyone sharing the budget. */
  pause(): void | Promise<void>;
  /** USD charged per route in the current period (readable charges only). */
  spentByRoute(): Record<string, number>;
  /** The readable charges of the current period, oldest first. */
  entries(): readonly LedgerEntry[];
  /** Resolves once every charge so far has landed in the store. */
  flushed(): Promise<void>;
  /** Releases the store's files or connections; a later decision may reopen them. */
  close(): void;
}
