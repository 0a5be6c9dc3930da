import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BudgetConfig } from './budgetConfig';
import { ChargeJournal, type Charge } from './chargeJournal';
import type { Usage } from './ir';
import { costUsd, priceOf } from './prices';
import type { Route } from './routes';
import type { SpendGuard, SpendHold } from './spendGuard';

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

/** One charge in the ledger (see ChargeJournal). */
export type LedgerEntry = Charge;

export type BudgetEvent =
  | { readonly type: 'budget-threshold'; readonly percent: number; readonly spentUsd: number; readonly limitUsd: number }
  | { readonly type: 'budget-gate'; readonly gate: BudgetGate | undefined };

/** What the user decided about holds, shared by every process on the state folder. */
interface BudgetState {
  /** The period in which the user resumed past the pause threshold. */
  resumedPeriodKey?: string;
  manualPause?: boolean;
}

const STATE_FILE = 'budget-state.json';
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
  private lastGate: BudgetGate | undefined;
  private state: BudgetState;
  private readonly statePath: string;

  private constructor(
    private readonly config: BudgetConfig,
    private readonly journal: ChargeJournal,
    stateDir: string,
    private readonly now: () => number,
    private readonly onEvent: (event: BudgetEvent) => void,
  ) {
    this.statePath = join(stateDir, STATE_FILE);
    this.state = this.readState();
    this.lastGate = this.gate();
  }

  static async open(stateDir: string, config: BudgetConfig, options: { now?: () => number; onEvent?: (event: BudgetEvent) => void } = {}): Promise<Ledger> {
    return new Ledger(config, new ChargeJournal(join(stateDir, 'ledger')), stateDir, options.now ?? Date.now, options.onEvent ?? (() => {}));
  }

  /**
   * The pause and resume state, as another process may have just set it. Read every time: it is
   * a few bytes, and two changes within one timestamp tick would fool a modification check.
   */
  private readState(): BudgetState {
    try {
      this.state = JSON.parse(readFileSync(this.statePath, 'utf8')) as BudgetState;
    } catch {
      this.state ??= {};
    }
    return this.state;
  }

  private writeState(next: BudgetState): void {
    this.state = next;
    const temporary = `${this.statePath}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(next));
    renameSync(temporary, this.statePath);
  }

  private get periodKey(): string {
    return periodKeyOf(this.config.period, this.now());
  }

  /** Charges of the current period, from every process (a new period starts at zero). */
  private periodCharges(): readonly Charge[] {
    const key = this.periodKey;
    const charges = this.journal.month(key.slice(0, 7));
    return this.config.period === 'month' ? charges : charges.filter((c) => periodKeyOf('day', Date.parse(c.at)) === key);
  }

  private get spentUsd(): number {
    if (this.config.period === 'month') return this.journal.monthUsd(this.periodKey);
    return this.periodCharges().reduce((sum, c) => sum + c.usd, 0);
  }

  /** The most a try can cost on a route: counted input (with a margin) and the answer cap. */
  private worstCase(route: Route, inputTokens: number, maxOutputTokens: number): { worst: number; refused?: string } {
    const price = priceOf(route);
    const limit = this.config.limitUsd;
    if (!price && limit !== undefined) {
      return { worst: 0, refused: `no price is known for model "${route.model}"; set inputPricePerMTok and outputPricePerMTok on route "${route.id}" so the budget can hold its cost` };
    }
    const worst = price ? costUsd(price, Math.ceil(inputTokens * INPUT_MARGIN - 1e-9), maxOutputTokens) : 0;
    const spent = this.spentUsd;
    if (limit !== undefined && spent + this.reservedUsd + worst > limit + 1e-12) {
      return { worst, refused: `its worst case ($${worst.toFixed(4)}) does not fit the ${this.config.period}ly budget: $${spent.toFixed(4)} spent and $${this.reservedUsd.toFixed(4)} held of $${limit.toFixed(2)}` };
    }
    return { worst };
  }

  refusal(route: Route, inputTokens: number, maxOutputTokens: number): string | undefined {
    return this.worstCase(route, inputTokens, maxOutputTokens).refused;
  }

  reserve(route: Route, inputTokens: number, maxOutputTokens: number, requestId: string): SpendHold | string {
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
    const before = this.percentOf(this.spentUsd);
    this.journal.append(this.periodKey.slice(0, 7), { at: new Date(this.now()).toISOString(), route, requestId, usd, estimated });
    const spent = this.spentUsd;
    const after = this.percentOf(spent);
    if (before !== undefined && after !== undefined && this.config.limitUsd !== undefined) {
      for (const threshold of THRESHOLDS) {
        if (before < threshold && after >= threshold) {
          this.onEvent({ type: 'budget-threshold', percent: threshold, spentUsd: spent, limitUsd: this.config.limitUsd });
        }
      }
    }
  }

  private percentOf(usd: number): number | undefined {
    const limit = this.config.limitUsd;
    if (limit === undefined) return undefined;
    return limit === 0 ? (usd > 0 ? Infinity : 100) : (usd / limit) * 100;
  }

  /** Why a new request may not start now, or undefined when it may. */
  gate(): BudgetGate | undefined {
    const state = this.readState();
    if (state.manualPause) return 'manual-pause';
    const percent = this.percentOf(this.spentUsd + this.reservedUsd);
    if (percent === undefined) return undefined;
    if (percent >= 100) return 'budget-exhausted';
    if (percent >= this.config.pauseAtPercent && state.resumedPeriodKey !== this.periodKey) return 'budget-paused';
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
    const spentUsd = this.spentUsd;
    const percent = this.percentOf(spentUsd + this.reservedUsd);
    return {
      ...(this.config.limitUsd !== undefined ? { limitUsd: this.config.limitUsd } : {}),
      period: this.config.period,
      periodKey: this.periodKey,
      spentUsd,
      reservedUsd: this.reservedUsd,
      ...(percent !== undefined ? { percent } : {}),
      pauseAtPercent: this.config.pauseAtPercent,
      ...(gate ? { gate } : {}),
      resumed: this.readState().resumedPeriodKey === this.periodKey,
    };
  }

  /** Lifts a manual pause and the pause threshold for this period. The hard stop at 100% stays. */
  resume(): void {
    this.writeState({ manualPause: false, resumedPeriodKey: this.periodKey });
    this.checkGate();
  }

  /** Holds new requests back (they are queued) until `resume()`, in every window. */
  pause(): void {
    this.writeState({ ...this.readState(), manualPause: true });
    this.checkGate();
  }

  /** USD charged per route in the current period. */
  spentByRoute(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.periodCharges()) out[c.route] = (out[c.route] ?? 0) + c.usd;
    return out;
  }

  /** The charges of the current period, oldest first. */
  entries(): readonly LedgerEntry[] {
    return this.periodCharges();
  }

  /** Charges are written as they happen; kept for callers that wait for state to land. */
  flushed(): Promise<void> {
    return Promise.resolve();
  }
}
