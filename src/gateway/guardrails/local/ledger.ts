import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BudgetConfig } from '../budgetConfig';
import { ChargeJournal, type Charge, type Hold, type MonthRecords } from './chargeJournal';
import { LedgerLock } from './ledgerLock';
import { processAlive } from './processAlive';
import { READ_FRESH_MS, STATE_FILE_MODE } from './stateFiles';
import type { Usage } from '../../ir';
import { costUsd, priceOf } from '../../routing/prices';
import type { Route } from '../../routing/routes';
import type { SpendHold } from '../spendGuard';
import type { BudgetEvent, BudgetGate, BudgetStatus, Ledger, LedgerEntry } from '../ledger';

/** What the user decided about holds, shared by every process on the state folder. */
interface BudgetState {
  /** The period in which the user resumed past the pause threshold. */
  resumedPeriodKey?: string;
  manualPause?: boolean;
}

const STATE_FILE = 'budget-state.json';
/** Input is counted before sending; providers may count a little more. Held with this margin (the team ledger holds alike). */
export const INPUT_MARGIN = 1.1;
const THRESHOLDS = [50, 80, 100];
/** Hold ids: this process's random prefix and a counter, unique across the processes on a state folder. */
const HOLD_PREFIX = randomBytes(6).toString('hex');
let holdCount = 0;
/** Budget state files written by this process: a ledger that checked the state this turn checks again after one. */
let stateWrites = 0;
/**
 * A hold no longer counts after this, even if its process still runs (stopped, or its pid reused
 * after a crash). A hold of a process that has died is released at once, so this is a backstop;
 * it is long enough for the longest streamed answer.
 */
export const DEFAULT_HOLD_TTL_MS = 30 * 60_000;
/**
 * A lease holds at most this share of the limit, so the money one process holds unused (which
 * the others count as held) stays small; within the last share of the limit every try is held
 * on its own, as exactly as before leases.
 */
const LEASE_SHARE = 0.05;
/** A lease is taken only when it covers at least this many tries of the size asked. */
const LEASE_MIN_TRIES = 4;
/** A lease with no try in flight for this long is given back. */
const LEASE_IDLE_MS = 2_000;
/** A lease takes new tries for this long at most; then the next try takes a new one. */
const LEASE_MAX_AGE_MS = 60_000;

/**
 * Money held once, under the lock, for many tries of this ledger: a try drawn from it costs no
 * file operation. Other processes count it as held, less what its charges drew; this ledger
 * counts only the worst cases of its tries in flight.
 */
interface Lease {
  readonly record: Hold;
  readonly month: string;
  readonly retireAt: number;
  /** The worst cases of its tries in flight, and how many they are. */
  inFlight: number;
  tries: number;
  /** Takes no new tries; given back when its last one ends. */
  retired: boolean;
  /** When its last try ended (performance.now), while none is in flight. */
  lastEnded: number;
  /** Gives it back once it has been idle long enough: one timer per idle spell, not per try. */
  idle?: ReturnType<typeof setTimeout>;
}

/** The second last written (`2026-12-04T21:31:27.`, from `at`, a whole second in ms) and its millisecond. */
let isoSecond = { at: Number.NaN, prefix: '' };
let lastIso = { at: Number.NaN, text: '' };

/**
 * `new Date(at).toISOString()`, formatted once per second: every charge carries its time, and a
 * burst's are mostly of the same millisecond, a run's of the same second.
 */
function isoAt(at: number): string {
  if (at === lastIso.at) return lastIso.text;
  const second = at - (((at % 1000) + 1000) % 1000);
  if (second !== isoSecond.at || !Number.isInteger(at)) {
    const text = new Date(at).toISOString();
    // Only the usual form (years 0000-9999) of a whole millisecond is reused: `2026-12-04T21:31:27.123Z`.
    isoSecond = text.length === 24 && Number.isInteger(at) ? { at: second, prefix: text.slice(0, 20) } : { at: Number.NaN, prefix: '' };
    lastIso = { at, text };
    return text;
  }
  lastIso = { at, text: `${isoSecond.prefix}${String(at - second).padStart(3, '0')}Z` };
  return lastIso.text;
}

/** Spend, holds and unreadable lines as one ledger counts them now. */
interface Figures {
  spent: number;
  held: number;
  unreadable: number;
}

export function periodKeyOf(period: 'day' | 'month', now: number): string {
  const iso = new Date(now).toISOString();
  return period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

function stateProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const v = value as Record<string, unknown>;
  if (v.manualPause !== undefined && typeof v.manualPause !== 'boolean') return '"manualPause" is not true or false';
  if (v.resumedPeriodKey !== undefined && typeof v.resumedPeriodKey !== 'string') return '"resumedPeriodKey" is not text';
  return undefined;
}

/**
 * The spend ledger and money budget. Each try holds its worst case (counted input + the answer
 * cap, at the route's prices) before it is sent. Holds are written to the journal in the state
 * folder under an exclusive lock, so tries in every window and CLI run see each other's holds and
 * together cannot pass the limit. The real cost replaces the hold when the try ends.
 *
 * It fails closed: an invalid budget setting sends nothing, an unreadable state file holds
 * requests as paused, and an unreadable journal line is counted at its worst case.
 */
export class LocalLedger implements Ledger {
  readonly backend = 'local';
  private lastGate: BudgetGate | undefined;
  private stateProblem: string | undefined;
  private readonly statePath: string;
  /** The last state read, with the file's stamp when it was read. */
  private stateCache: { stamp: string; state: BudgetState } | undefined;
  private readonly lock: LedgerLock;
  /** The holds' sum as last added up, valid for the same records until a hold in it expires (or 1 s, for a process that died). */
  private heldCache: { records: MonthRecords; version: number; until: number; held: number } | undefined;
  /** The current period's key, until the period ends. */
  private periodCache: { key: string; from: number; until: number } | undefined;
  /** When the budget state was last checked (performance.now), and the count of writes in the process then. */
  private stateCheckedAt = Number.NEGATIVE_INFINITY;
  private stateWritesSeen = -1;
  /** The lease new tries draw from, and every lease of this ledger not given back yet, by hold id. */
  private lease: Lease | undefined;
  private readonly leases = new Map<string, Lease>();
  /** Worst cases of tries in flight with no limit set: nothing to share, so they are not written. */
  private unlimitedHeld = 0;
  private unlimitedTries = 0;

  private constructor(
    private readonly config: BudgetConfig,
    private readonly journal: ChargeJournal,
    stateDir: string,
    private readonly now: () => number,
    private readonly onEvent: (event: BudgetEvent) => void,
    private readonly holdTtlMs: number,
    private readonly leaseIdleMs: number,
  ) {
    this.statePath = join(stateDir, STATE_FILE);
    this.lock = new LedgerLock(join(stateDir, 'ledger', 'lock'));
    this.lastGate = this.gate();
  }

  static async open(stateDir: string, config: BudgetConfig, options: { now?: () => number; onEvent?: (event: BudgetEvent) => void; holdTtlMs?: number; leaseIdleMs?: number } = {}): Promise<LocalLedger> {
    return new LocalLedger(config, new ChargeJournal(join(stateDir, 'ledger')), stateDir, options.now ?? Date.now, options.onEvent ?? (() => {}), options.holdTtlMs ?? DEFAULT_HOLD_TTL_MS, options.leaseIdleMs ?? LEASE_IDLE_MS);
  }

  /**
   * The pause and resume state, as another process may have just set it. Checked every time by
   * one `stat`: the file is only ever replaced by a rename, so a change is a new inode, and the
   * inode, size and nanosecond times together tell a change even within one timestamp tick.
   * A file that cannot be read may have said "paused": it is read as paused until the user
   * resumes (which rewrites it).
   */
  /** The budget state; `fresh` reads the file now rather than reuse a read of the last READ_FRESH_MS. */
  private readState(fresh = false): BudgetState {
    // Another process's change is seen READ_FRESH_MS later at most; one of this process (another
    // chain on the same folder) is counted in `stateWrites`, and seen at once.
    const now = performance.now();
    if (!fresh && this.stateCache && this.stateWritesSeen === stateWrites && now - this.stateCheckedAt < READ_FRESH_MS) return this.stateCache.state;
    this.stateWritesSeen = stateWrites;
    this.stateCheckedAt = now;
    let stamp: string;
    try {
      // No budget state yet is the usual case: told without an exception (one costs more than the stat).
      const s = statSync(this.statePath, { bigint: true, throwIfNoEntry: false });
      stamp = s ? `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : 'none';
    } catch {
      stamp = 'unreadable';
    }
    if (this.stateCache && this.stateCache.stamp === stamp) return this.stateCache.state;
    const state = this.readStateFile();
    this.stateCache = { stamp, state };
    return state;
  }

  private readStateFile(): BudgetState {
    let text: string;
    try {
      text = readFileSync(this.statePath, 'utf8');
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      this.stateProblem = missing ? undefined : `${this.statePath} cannot be read (${(e as Error).message}); new requests are held as paused: resume to rewrite it.`;
      return missing ? {} : { manualPause: true };
    }
    let why: string | undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      why = stateProblem(parsed);
    } catch (e) {
      why = `not valid JSON: ${(e as Error).message.replace(/\s+/g, ' ')}`;
    }
    this.stateProblem = why ? `${this.statePath} cannot be read (${why}); new requests are held as paused: resume to rewrite it.` : undefined;
    return why ? { manualPause: true } : (parsed as BudgetState);
  }

  private writeState(next: BudgetState): void {
    const temporary = `${this.statePath}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(next), { mode: STATE_FILE_MODE });
    renameSync(temporary, this.statePath);
    this.stateCache = undefined;
    stateWrites++;
  }

  private get periodKey(): string {
    const now = this.now();
    const cached = this.periodCache;
    if (cached && now >= cached.from && now < cached.until) return cached.key;
    const key = periodKeyOf(this.config.period, now);
    const d = new Date(now);
    const from = this.config.period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const until = this.config.period === 'day' ? from + 86_400_000 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    this.periodCache = { key, from, until };
    return key;
  }

  /** The month's records; `read` false takes them as last read (after this ledger's own change, nothing else is needed). */
  private records(read = true): MonthRecords {
    const month = this.periodKey.slice(0, 7);
    return read ? this.journal.month(month) : this.journal.monthAsRead(month);
  }

  /**
   * The worst case of a journal line that cannot be read: no try is ever held for more than the
   * limit, so the limit is the most such a line can stand for. Without a limit there is no such
   * bound; the line is still reported.
   */
  private get unreadableWorstUsd(): number {
    return this.config.limitUsd ?? 0;
  }

  /** What `figures` returns: the same object each time, read at once by every caller (it is asked several times per request). */
  private readonly lastFigures: Figures = { spent: 0, held: 0, unreadable: 0 };

  /**
   * Spend of the current period and holds of tries in flight, from every process (a new period
   * starts at zero): one read of what the journal gained since the last, then running sums.
   * A hold counts until it is settled, it expires, or its process is gone.
   */
  private figures(read = true): Readonly<Figures> {
    const records = this.records(read);
    const readable = this.config.period === 'month' ? records.spentUsd : (records.spentByDay.get(this.periodKey) ?? 0);
    const now = this.now();
    const cached = this.heldCache;
    let held: number;
    if (cached && cached.records === records && cached.version === records.version && now < cached.until) {
      held = cached.held;
    } else {
      held = 0;
      let until = now + 1_000;
      for (const hold of records.holds.values()) {
        // This ledger's own leases count by their tries in flight, added below.
        if (this.leases.has(hold.id)) continue;
        const expires = Date.parse(hold.expiresAt);
        if (expires > now && processAlive(hold.owner)) {
          held += hold.lease ? Math.max(0, hold.usd - (records.drawn.get(hold.id) ?? 0)) : hold.usd;
          until = Math.min(until, expires);
        }
      }
      this.heldCache = { records, version: records.version, until, held };
    }
    let own = this.unlimitedHeld;
    for (const lease of this.leases.values()) own += lease.inFlight;
    const figures = this.lastFigures;
    figures.spent = readable + records.unreadable.length * this.unreadableWorstUsd;
    figures.held = held + own;
    figures.unreadable = records.unreadable.length;
    return figures;
  }

  /** The most a try can cost on a route: counted input (with a margin) and the answer cap. */
  private worstCase(route: Route, inputTokens: number, maxOutputTokens: number): { worst: number; refused?: string } {
    if (this.config.invalid) return { worst: 0, refused: `the budget setting is invalid: ${this.config.invalid}` };
    const price = priceOf(route);
    const limit = this.config.limitUsd;
    if (!price && limit !== undefined) {
      return { worst: 0, refused: `no price is known for model "${route.model}"; set inputPricePerMTok and outputPricePerMTok on route "${route.id}" so the budget can hold its cost` };
    }
    const worst = price ? costUsd(price, Math.ceil(inputTokens * INPUT_MARGIN - 1e-9), maxOutputTokens) : 0;
    const { spent, held } = this.figures();
    if (limit !== undefined && spent + held + worst > limit + 1e-12) {
      return { worst, refused: `its worst case ($${worst.toFixed(4)}) does not fit the ${this.config.period}ly budget: $${spent.toFixed(4)} spent and $${held.toFixed(4)} held of $${limit.toFixed(2)}` };
    }
    return { worst };
  }

  /** The worst case alone (no figures read), or undefined when the route cannot be priced. */
  private worstCaseOnly(route: Route, inputTokens: number, maxOutputTokens: number): number | undefined {
    const price = priceOf(route);
    return price ? costUsd(price, Math.ceil(inputTokens * INPUT_MARGIN - 1e-9), maxOutputTokens) : undefined;
  }

  refusal(route: Route, inputTokens: number, maxOutputTokens: number): string | undefined {
    // A try the lease can hold fits: nothing to read.
    const lease = this.lease;
    if (lease && !this.config.invalid) {
      const worst = this.worstCaseOnly(route, inputTokens, maxOutputTokens);
      if (worst !== undefined && this.fits(lease, worst, this.periodKey.slice(0, 7))) return undefined;
    }
    return this.worstCase(route, inputTokens, maxOutputTokens).refused;
  }

  reserve(route: Route, inputTokens: number, maxOutputTokens: number, requestId: string): SpendHold | string {
    const limit = this.config.limitUsd;
    if (limit === undefined || this.config.invalid) {
      const { worst, refused } = this.worstCase(route, inputTokens, maxOutputTokens);
      if (refused) return refused;
      // No limit: the hold is only shown, so it stays in this process and costs no file operation.
      this.unlimitedHeld += worst;
      this.unlimitedTries++;
      return this.settleable(worst, route, requestId, this.periodKey.slice(0, 7), () => {
        this.unlimitedTries--;
        this.unlimitedHeld = this.unlimitedTries === 0 ? 0 : this.unlimitedHeld - worst;
      });
    }
    const month = this.periodKey.slice(0, 7);
    const lease = this.lease;
    if (lease) {
      const worst = this.worstCaseOnly(route, inputTokens, maxOutputTokens);
      if (worst !== undefined && this.fits(lease, worst, month)) return this.draw(lease, worst, route, requestId);
    }
    let held: SpendHold | string;
    try {
      // Check and hold in one step for every process: no other can hold between the two.
      held = this.lock.with((): SpendHold | string => {
        // What other processes appended up to the lock counts: read it now, not earlier in this turn.
        this.journal.month(month, true);
        const { worst, refused } = this.worstCase(route, inputTokens, maxOutputTokens);
        if (refused) return refused;
        const { spent, held: heldNow } = this.figures();
        const size = LEASE_SHARE * limit;
        if (worst * LEASE_MIN_TRIES <= size && spent + heldNow + size <= limit + 1e-12) return this.draw(this.takeLease(size, month), worst, route, requestId);
        // Near the limit, or a try too large to share a lease: held on its own.
        const record = this.holdRecord(route.id, requestId, worst, this.holdTtlMs);
        this.journal.append(month, record);
        return this.settleable(worst, route, requestId, month, undefined, record);
      });
    } catch (e) {
      return `the spend ledger cannot hold its cost now: ${(e as Error).message}`;
    }
    return held;
  }

  private holdRecord(route: string, requestId: string, usd: number, ttlMs: number, lease?: true): Hold {
    const at = this.now();
    return {
      kind: 'hold', id: `h-${HOLD_PREFIX}${(holdCount++).toString(36)}`, at: isoAt(at), route, requestId,
      usd, owner: process.pid, expiresAt: isoAt(at + ttlMs), ...(lease ? { lease } : {}),
    };
  }

  /** Under the lock: a new lease for the next tries; the one before takes no more. */
  private takeLease(usd: number, month: string): Lease {
    if (this.lease) this.retire(this.lease);
    // It lives past its last new try by the longest a try may take.
    const record = this.holdRecord('*', 'lease', usd, LEASE_MAX_AGE_MS + this.holdTtlMs, true);
    this.journal.append(month, record);
    const lease: Lease = { record, month, retireAt: this.now() + LEASE_MAX_AGE_MS, inFlight: 0, tries: 0, retired: false, lastEnded: 0 };
    this.leases.set(record.id, lease);
    this.lease = lease;
    return lease;
  }

  private fits(lease: Lease, worst: number, month: string): boolean {
    if (lease.retired || lease.month !== month || this.now() >= lease.retireAt) return false;
    // What its charges drew, as the journal counts it for every reader (its own charges counted at once).
    const drawn = this.journal.monthAsRead(month).drawn.get(lease.record.id) ?? 0;
    return lease.record.usd - drawn - lease.inFlight >= worst - 1e-12;
  }

  private draw(lease: Lease, worst: number, route: Route, requestId: string): SpendHold {
    lease.inFlight += worst;
    lease.tries++;
    return this.settleable(worst, route, requestId, lease.month, () => {
      lease.tries--;
      // Exactly zero with none in flight: sums of fractions of a cent leave a residue.
      lease.inFlight = lease.tries === 0 ? 0 : lease.inFlight - worst;
      if (lease.tries > 0) return;
      if (lease.retired) this.giveBack(lease);
      else {
        lease.lastEnded = performance.now();
        // A timer already set (a try came and went meanwhile) looks again when it fires.
        if (!lease.idle) this.whenIdle(lease, this.leaseIdleMs);
      }
    }, undefined, lease);
  }

  /** Retires the lease after `afterMs` if no try was in flight since its last one ended. */
  private whenIdle(lease: Lease, afterMs: number): void {
    lease.idle = setTimeout(() => {
      lease.idle = undefined;
      if (lease.retired || lease.tries > 0) return; // the try in flight sets a new one when it ends
      const idleFor = performance.now() - lease.lastEnded;
      if (idleFor >= this.leaseIdleMs - 1) this.retire(lease);
      else this.whenIdle(lease, this.leaseIdleMs - idleFor);
    }, afterMs);
    lease.idle.unref?.();
  }

  /** Takes no new tries; given back now if none is in flight, else when the last one ends. */
  private retire(lease: Lease): void {
    lease.retired = true;
    if (this.lease === lease) this.lease = undefined;
    if (lease.tries === 0) this.giveBack(lease);
  }

  private giveBack(lease: Lease): void {
    if (lease.idle) clearTimeout(lease.idle);
    lease.idle = undefined;
    if (!this.leases.delete(lease.record.id)) return;
    // Written after its charges (records waiting to be written keep their order).
    this.journal.appendSoon(lease.month, { kind: 'release', hold: lease.record.id, at: isoAt(this.now()) });
  }

  /**
   * A try's hold, settled once: its real cost replaces it, then `onSettled` runs;
   * `record` is a hold of its own in the journal, `lease` the lease it was drawn from.
   */
  private settleable(worst: number, route: Route, requestId: string, holdMonth: string, onSettled?: () => void, record?: Hold, lease?: Lease): SpendHold {
    const price = priceOf(route);
    let settled = false;
    return {
      settle: (usage: Usage | undefined, possiblyBilled: boolean) => {
        if (settled) return;
        settled = true;
        const usd = usage && price ? costUsd(price, usage.inputTokens, usage.outputTokens) : possiblyBilled ? worst : 0;
        this.settle(route.id, requestId, holdMonth, usd, !usage, record, lease);
        onSettled?.();
        this.checkGate();
      },
    };
  }

  /**
   * The real cost replaces the hold. No lock: nothing is checked, and the charge (which names its
   * hold) or the release is one appended line, so every reader sees the hold or what replaced it,
   * never both and never neither. Spend is never lost to a lock held elsewhere.
   */
  private settle(route: string, requestId: string, holdMonth: string, usd: number, estimated: boolean, hold: Hold | undefined, lease: Lease | undefined): void {
    const monthKey = this.periodKey.slice(0, 7);
    const at = isoAt(this.now());
    const sameMonth = monthKey === holdMonth;
    if (usd > 0) {
      // Built field by field, absent fields left out (as the journal's lines are): one per answer.
      const charge: { -readonly [K in keyof Charge]: Charge[K] } = { at, route, requestId, usd, estimated };
      if (hold && sameMonth) charge.hold = hold.id;
      if (lease && sameMonth) charge.lease = lease.record.id;
      this.charge(monthKey, charge);
    }
    // A hold taken last month is given back in last month's file, where it was written.
    if (hold && (usd <= 0 || !sameMonth)) this.journal.appendSoon(holdMonth, { kind: 'release', hold: hold.id, at });
  }

  private charge(monthKey: string, charge: Charge): void {
    const spentBefore = this.figures(false).spent;
    this.journal.appendSoon(monthKey, charge);
    // The charge is now, so it is in the current period whatever the period is.
    const spent = spentBefore + charge.usd;
    const before = this.percentOf(spentBefore);
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
    return this.gateWith(this.readState());
  }

  private gateWith(state: BudgetState, read = true): BudgetGate | undefined {
    if (this.config.invalid) return 'budget-invalid';
    if (state.manualPause) return 'manual-pause';
    const { spent, held } = this.figures(read);
    const percent = this.percentOf(spent + held);
    if (percent === undefined) return undefined;
    if (percent >= 100) return 'budget-exhausted';
    if (percent >= this.config.pauseAtPercent && state.resumedPeriodKey !== this.periodKey) return 'budget-paused';
    return undefined;
  }

  /**
   * Tells a change of the gate after a charge or a pause. After a charge only the figures changed:
   * the budget state as last read serves, and the next request's `gate()` reads it afresh.
   */
  private checkGate(state: BudgetState | undefined = this.stateCache?.state): void {
    // The figures as this ledger last read them and changed them since: nothing else moved them.
    const gate = this.gateWith(state ?? this.readState(), false);
    if (gate !== this.lastGate) {
      this.lastGate = gate;
      this.onEvent({ type: 'budget-gate', gate });
    }
  }

  /** What needs the user's attention, one line each. */
  private problems(): string[] {
    const limited = this.config.limitUsd !== undefined;
    return [
      ...(this.config.invalid ? [this.config.invalid] : []),
      ...(this.stateProblem ? [this.stateProblem] : []),
      ...(this.journal.writeProblem ? [this.journal.writeProblem] : []),
      ...this.records().unreadable.map((u) => `line ${u.line} of ${u.file} is not a charge (${u.why}); ${limited
        ? `counted as $${this.unreadableWorstUsd.toFixed(2)} (the whole limit) until it is corrected or deleted`
        : 'with no limit set it is not summed, so the spend shown is a floor; correct or delete it'}.`),
    ];
  }

  status(): BudgetStatus {
    const state = this.readState();
    const gate = this.gate();
    const { spent: spentUsd, held: reservedUsd, unreadable } = this.figures();
    const percent = this.percentOf(spentUsd + reservedUsd);
    return {
      ...(this.config.limitUsd !== undefined ? { limitUsd: this.config.limitUsd } : {}),
      period: this.config.period,
      periodKey: this.periodKey,
      spentUsd,
      reservedUsd,
      ...(percent !== undefined ? { percent } : {}),
      pauseAtPercent: this.config.pauseAtPercent,
      ...(gate ? { gate } : {}),
      resumed: state.resumedPeriodKey === this.periodKey,
      unreadableCharges: unreadable,
      problems: this.problems(),
    };
  }

  /** Lifts a manual pause and the pause threshold for this period. The hard stop at 100% stays. */
  resume(): void {
    this.writeState({ manualPause: false, resumedPeriodKey: this.periodKey });
    this.checkGate();
  }

  /** Holds new requests back (they are queued) until `resume()`, in every window. */
  pause(): void {
    // Read afresh: what it keeps (a resume's period) may have been written by another window a moment ago.
    this.writeState({ ...this.readState(true), manualPause: true });
    this.checkGate();
  }

  private periodCharges(): readonly Charge[] {
    const key = this.periodKey;
    const charges = this.records().charges;
    return this.config.period === 'month' ? charges : charges.filter((c) => periodKeyOf('day', Date.parse(c.at)) === key);
  }

  /** USD charged per route in the current period (readable charges only). */
  spentByRoute(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.periodCharges()) out[c.route] = (out[c.route] ?? 0) + c.usd;
    return out;
  }

  /** The readable charges of the current period, oldest first. */
  entries(): readonly LedgerEntry[] {
    return this.periodCharges();
  }

  /** Writes the charges of this turn now (they are written at its end anyway). */
  flushed(): Promise<void> {
    try {
      this.journal.flush();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Gives the leases back, writes what is owed and closes the journal's file; a later decision reopens it. */
  close(): void {
    for (const lease of [...this.leases.values()]) {
      lease.retired = true;
      this.giveBack(lease);
    }
    this.lease = undefined;
    this.lock.releaseHeld();
    this.journal.close();
  }
}
