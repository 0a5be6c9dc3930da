import { join } from 'node:path';
import type { BudgetConfig } from './budgetConfig';
import type { Usage } from './ir';
import { costUsd, priceOf } from './prices';
import type { Route } from './routes';
import type { SpendGuard, SpendHold } from './spendGuard';
import { readJsonFile, StateFileWriter } from './stateFiles';

/** Why new requests may not start now. */
export type BudgetGate = 'manual-pause' | 'budget-paused' | 'budget-exhausted';

/** The budget as the status bar and `budget status` show it. */
export interface BudgetStatus {
  readonly limitUsd?: number;
  readonly period: 'day' | 'month';
  /** The period the figures belong to, in UTC: `2026-11-23` or `2026-11`. */
  readonly periodKey: string;
  readonly spentUsd: number;
  /** Held by calls in flight in this process. */
  readonly reservedUsd: number;
  /** (spent + reserved) / limit, in percent; undefined without a limit. */
  readonly percent?: number;
  readonly pauseAtPercent: number;
  /** Why new requests are held back now; undefined when they may go. */
  readonly gate?: BudgetGate;
  /** The user resumed past the pause threshold in this period. */
  readonly resumed: boolean;
}

/** One charge in the ledger: a real cost from usage, or a worst case for a try that may have been billed. */
export interface LedgerEntry {
  readonly at: string;
  readonly route: string;
  readonly requestId: string;
  readonly usd: number;
  /** True when the provider gave no usage and the worst case was charged instead. */
  readonly estimated: boolean;
}

export type BudgetEvent =
  | { readonly type: 'budget-threshold'; readonly percent: number; readonly spentUsd: number; readonly limitUsd: number }
  | { readonly type: 'budget-gate'; readonly gate: BudgetGate | undefined };

interface LedgerFile {
  periodKey: string;
  spentUsd: number;
  /** The period in which the user resumed past the pause threshold. */
  resumedPeriodKey?: string;
  manualPause?: boolean;
  entries: LedgerEntry[];
}

const FILE = 'ledger.json';
const KEEP_ENTRIES = 1000;
/** Input is counted before sending; providers may count a little more. Held with this margin. */
const INPUT_MARGIN = 1.1;
const THRESHOLDS = [50, 80, 100];

function periodKeyOf(period: 'day' | 'month', now: number): string {
  const iso = new Date(now).toISOString();
  return period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

/**
 * The spend ledger and money budget. Each try holds its worst case (counted input + the answer
 * cap, at the route's prices) before it is sent; concurrent tries see each other's holds, so
 * together they cannot pass the limit. The real cost replaces the hold when the try ends.
 */
export class Ledger implements SpendGuard {
  private reservedUsd = 0;
  private readonly writer: StateFileWriter;
  private lastGate: BudgetGate | undefined;

  private constructor(
    private readonly config: BudgetConfig,
    private state: LedgerFile,
    path: string,
    private readonly now: () => number,
    private readonly onEvent: (event: BudgetEvent) => void,
  ) {
    this.writer = new StateFileWriter(path);
    this.lastGate = this.gate();
  }

  static async open(stateDir: string, config: BudgetConfig, options: { now?: () => number; onEvent?: (event: BudgetEvent) => void } = {}): Promise<Ledger> {
    const now = options.now ?? Date.now;
    const path = join(stateDir, FILE);
    const saved = await readJsonFile<LedgerFile>(path);
    const state: LedgerFile = saved ?? { periodKey: periodKeyOf(config.period, now()), spentUsd: 0, entries: [] };
    return new Ledger(config, state, path, now, options.onEvent ?? (() => {}));
  }

  /** A new period starts with nothing spent and the pause lifted. */
  private roll(): void {
    const key = periodKeyOf(this.config.period, this.now());
    if (key !== this.state.periodKey) {
      this.state = { periodKey: key, spentUsd: 0, entries: this.state.entries, manualPause: this.state.manualPause };
      this.persist();
    }
  }

  /** The most a try can cost on a route: counted input (with a margin) and the answer cap. */
  private worstCase(route: Route, inputTokens: number, maxOutputTokens: number): { worst: number; refused?: string } {
    const price = priceOf(route);
    const limit = this.config.limitUsd;
    if (!price && limit !== undefined) {
      return { worst: 0, refused: `no price is known for model "${route.model}"; set inputPricePerMTok and outputPricePerMTok on route "${route.id}" so the budget can hold its cost` };
    }
    const worst = price ? costUsd(price, Math.ceil(inputTokens * INPUT_MARGIN - 1e-9), maxOutputTokens) : 0;
    if (limit !== undefined && this.state.spentUsd + this.reservedUsd + worst > limit + 1e-12) {
      return { worst, refused: `its worst case ($${worst.toFixed(4)}) does not fit the ${this.config.period}ly budget: $${this.state.spentUsd.toFixed(4)} spent and $${this.reservedUsd.toFixed(4)} held of $${limit.toFixed(2)}` };
    }
    return { worst };
  }

  refusal(route: Route, inputTokens: number, maxOutputTokens: number): string | undefined {
    this.roll();
    return this.worstCase(route, inputTokens, maxOutputTokens).refused;
  }

  reserve(route: Route, inputTokens: number, maxOutputTokens: number, requestId: string): SpendHold | string {
    this.roll();
    const { worst, refused } = this.worstCase(route, inputTokens, maxOutputTokens);
    if (refused) return refused;
    const price = priceOf(route);
    this.reservedUsd += worst;
    let settled = false;
    return {
      settle: (usage: Usage | undefined, possiblyBilled: boolean) => {
        if (settled) return;
        settled = true;
        this.reservedUsd = Math.max(0, this.reservedUsd - worst);
        const usd = usage && price ? costUsd(price, usage.inputTokens, usage.outputTokens) : possiblyBilled ? worst : 0;
        if (usd > 0) this.charge(route.id, requestId, usd, !usage);
        this.checkGate();
      },
    };
  }

  private charge(route: string, requestId: string, usd: number, estimated: boolean): void {
    const before = this.percentOf(this.state.spentUsd);
    this.state.spentUsd += usd;
    this.state.entries.push({ at: new Date(this.now()).toISOString(), route, requestId, usd, estimated });
    if (this.state.entries.length > KEEP_ENTRIES) this.state.entries.splice(0, this.state.entries.length - KEEP_ENTRIES);
    const after = this.percentOf(this.state.spentUsd);
    if (before !== undefined && after !== undefined && this.config.limitUsd !== undefined) {
      for (const threshold of THRESHOLDS) {
        if (before < threshold && after >= threshold) {
          this.onEvent({ type: 'budget-threshold', percent: threshold, spentUsd: this.state.spentUsd, limitUsd: this.config.limitUsd });
        }
      }
    }
    this.persist();
  }

  private percentOf(usd: number): number | undefined {
    const limit = this.config.limitUsd;
    if (limit === undefined) return undefined;
    return limit === 0 ? (usd > 0 ? Infinity : 100) : (usd / limit) * 100;
  }

  /** Why a new request may not start now, or undefined when it may. */
  gate(): BudgetGate | undefined {
    this.roll();
    if (this.state.manualPause) return 'manual-pause';
    const percent = this.percentOf(this.state.spentUsd + this.reservedUsd);
    if (percent === undefined) return undefined;
    if (percent >= 100) return 'budget-exhausted';
    if (percent >= this.config.pauseAtPercent && this.state.resumedPeriodKey !== this.state.periodKey) return 'budget-paused';
    return undefined;
  }

  private checkGate(): void {
    const gate = this.gate();
    if (gate !== this.lastGate) {
      this.lastGate = gate;
      this.onEvent({ type: 'budget-gate', gate });
    }
  }

  status(): BudgetStatus {
    const gate = this.gate();
    const percent = this.percentOf(this.state.spentUsd + this.reservedUsd);
    return {
      ...(this.config.limitUsd !== undefined ? { limitUsd: this.config.limitUsd } : {}),
      period: this.config.period,
      periodKey: this.state.periodKey,
      spentUsd: this.state.spentUsd,
      reservedUsd: this.reservedUsd,
      ...(percent !== undefined ? { percent } : {}),
      pauseAtPercent: this.config.pauseAtPercent,
      ...(gate ? { gate } : {}),
      resumed: this.state.resumedPeriodKey === this.state.periodKey,
    };
  }

  /** Lifts a manual pause and the pause threshold for this period. The hard stop at 100% stays. */
  resume(): void {
    this.roll();
    this.state.manualPause = false;
    this.state.resumedPeriodKey = this.state.periodKey;
    this.persist();
    this.checkGate();
  }

  /** Holds new requests back (they are queued) until `resume()`. */
  pause(): void {
    this.state.manualPause = true;
    this.persist();
    this.checkGate();
  }

  /** USD charged per route in the current period (from the kept entries). */
  spentByRoute(): Record<string, number> {
    this.roll();
    const out: Record<string, number> = {};
    for (const e of this.state.entries) {
      if (periodKeyOf(this.config.period, Date.parse(e.at)) === this.state.periodKey) out[e.route] = (out[e.route] ?? 0) + e.usd;
    }
    return out;
  }

  /** The most recent charges, newest last. */
  entries(): readonly LedgerEntry[] {
    return this.state.entries;
  }

  private persist(): void {
    void this.writer.save(`${JSON.stringify(this.state, null, 2)}\n`);
  }

  flushed(): Promise<void> {
    return this.writer.flushed();
  }
}
