import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Usage } from '../../ir';
import { costUsd, priceOf } from '../../routing/prices';
import type { Route } from '../../routing/routes';
import type { BudgetConfig } from '../budgetConfig';
import type { BudgetEvent, BudgetGate, BudgetStatus, Ledger, LedgerEntry } from '../ledger';
import { DEFAULT_HOLD_TTL_MS, INPUT_MARGIN, periodKeyOf } from '../local/ledger';
import type { SpendHold } from '../spendGuard';
import type { TeamEvent } from '../teamEvents';
import { ledgerScripts, periodKeys, sharedKeys, type LedgerScripts, type ScriptReply } from './ledgerScripts';
import { redisClient, type RedisClientOptions, callListener as call, whenReady } from './redisClient';
import type { TeamConfig } from './teamConfig';

export interface RedisLedgerOptions extends Pick<RedisClientOptions, 'password' | 'log'> {
  /** How often the view is read again in full, beside the pushed changes (and the health check while degraded). */
  readonly refreshMs?: number;
  readonly holdTtlMs?: number;
  readonly now?: () => number;
  /** Every script's reply, for tests and benchmarks that check the figures at each atomic step. */
  readonly onReply?: (op: 'reserve' | 'settle' | 'budget', reply: ScriptReply) => void;
}

/** The figures of one period as Redis last told them, in micro-dollars. */
interface View {
  periodKey: string;
  spent: number;
  held: number;
  manual: boolean;
  resumed: string;
  seq: number;
}

/** A charge Redis has not confirmed yet (sent while degraded, or its reply was lost): sent again by charge id. */
interface Pending {
  readonly chargeId: string;
  readonly holdId: string;
  readonly holdPeriod: string;
  readonly micro: number;
  readonly entry: LedgerEntry;
}

const DEFAULT_REFRESH_MS = 2_000;
const CHARGES_KEPT = 1_000;
const THRESHOLDS = [50, 80, 100];
const MICRO = 1e6;

/** Hold amounts round up, charges to the nearest micro-dollar: a hold never understates. */
const holdMicro = (usd: number) => Math.ceil(usd * MICRO - 1e-6);
const chargeMicro = (usd: number) => Math.round(usd * MICRO);

/**
 * The team's money budget in Redis: every hold, charge, pause and resume is one Lua script
 * (ledgerScripts.ts), so clients of the whole team together never hold past the limit. Each
 * client keeps the latest view (from each script's reply, the pushed changes and a short refresh),
 * so `gate()` and `status()` cost no round trip. When Redis cannot be reached the local ledger
 * answers (with its own limit), a `degraded` event says so, and what was charged meanwhile is
 * added into Redis once per charge id when it is back.
 */
export class RedisLedger implements Ledger {
  readonly backend = 'redis';
  private view: View | undefined;
  private routes: Record<string, number> = {};
  private charges: LedgerEntry[] = [];
  private healthy = false;
  private announced: TeamEvent['state'] | undefined;
  private lastGate: BudgetGate | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly shared: ReturnType<typeof sharedKeys>;
  private readonly scripts: LedgerScripts;
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<boolean> | undefined;
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly sub: Redis,
    private readonly config: TeamConfig,
    private readonly budget: BudgetConfig,
    private readonly local: Ledger,
    private readonly onEvent: (event: BudgetEvent | TeamEvent) => void,
    private readonly options: RedisLedgerOptions,
  ) {
    this.shared = sharedKeys(config.namespace);
    this.scripts = ledgerScripts(redis);
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.shared.channel) this.onMessage(text);
    });
    sub.on('ready', () => void this.refresh());
    redis.on('ready', () => void this.refresh());
    redis.on('close', () => this.degrade('the connection to the team Redis closed'));
    this.timer = setInterval(() => void this.refresh(), options.refreshMs ?? DEFAULT_REFRESH_MS);
    this.timer.unref?.();
  }

  /**
   * Connects (waiting a few time-outs at most) and reads the team's figures. Never fails: an
   * unreachable Redis gives a ledger that answers from `local` and connects when it can.
   */
  static async open(config: TeamConfig, budget: BudgetConfig, local: Ledger, onEvent: (event: BudgetEvent | TeamEvent) => void, options: RedisLedgerOptions = {}): Promise<RedisLedger> {
    const client = redisClient(config, options);
    const sub = redisClient(config, options);
    const ledger = new RedisLedger(client, sub, config, budget, local, onEvent, options);
    const waitMs = Math.max(config.timeoutMs * 4, 1_000);
    const [ready] = await Promise.all([whenReady(client, waitMs), whenReady(sub, waitMs)]);
    if (ready) await sub.subscribe(ledger.shared.channel).catch(() => undefined);
    if (!ready || !(await ledger.refresh())) ledger.degrade('the team Redis is not reachable');
    ledger.lastGate = ledger.gate();
    return ledger;
  }

  /** The budget a local ledger runs on, read back from it (the factory is handed only the ledger). */
  static budgetOf(local: Ledger): BudgetConfig {
    const s = local.status();
    const invalid = s.gate === 'budget-invalid' ? (s.problems[0] ?? 'the budget setting is invalid') : undefined;
    return { ...(s.limitUsd !== undefined ? { limitUsd: s.limitUsd } : {}), period: s.period, pauseAtPercent: s.pauseAtPercent, ...(invalid ? { invalid } : {}) };
  }

  /** True while Redis answers; false while the local ledger stands in. */
  get connected(): boolean {
    return this.healthy;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private get periodKey(): string {
    return periodKeyOf(this.budget.period, this.now());
  }

  private get limitMicro(): number {
    return this.budget.limitUsd === undefined ? -1 : chargeMicro(this.budget.limitUsd);
  }

  /** The view of the current period; a period the view has not seen yet starts at zero. */
  private current(): View {
    const key = this.periodKey;
    const v = this.view;
    if (v && v.periodKey === key) return v;
    return { periodKey: key, spent: 0, held: 0, manual: v?.manual ?? false, resumed: v?.resumed ?? '', seq: v?.seq ?? 0 };
  }

  private worstCase(route: Route, inputTokens: number, maxOutputTokens: number): { micro: number; refused?: string } {
    if (this.budget.invalid) return { micro: 0, refused: `the budget setting is invalid: ${this.budget.invalid}` };
    const price = priceOf(route);
    if (!price && this.budget.limitUsd !== undefined) {
      return { micro: 0, refused: `no price is known for model "${route.model}"; set inputPricePerMTok and outputPricePerMTok on route "${route.id}" so the budget can hold its cost` };
    }
    return { micro: price ? holdMicro(costUsd(price, Math.ceil(inputTokens * INPUT_MARGIN - 1e-9), maxOutputTokens)) : 0 };
  }

  private overLimit(micro: number, spent: number, held: number): string {
    return `its worst case ($${(micro / MICRO).toFixed(4)}) does not fit the team's ${this.budget.period}ly budget: $${(spent / MICRO).toFixed(4)} spent and $${(held / MICRO).toFixed(4)} held of $${(this.budget.limitUsd ?? 0).toFixed(2)}`;
  }

  refusal(route: Route, inputTokens: number, maxOutputTokens: number): string | undefined {
    if (!this.healthy) return this.local.refusal(route, inputTokens, maxOutputTokens);
    const { micro, refused } = this.worstCase(route, inputTokens, maxOutputTokens);
    if (refused) return refused;
    const v = this.current();
    const limit = this.limitMicro;
    return limit >= 0 && v.spent + v.held + micro > limit ? this.overLimit(micro, v.spent, v.held) : undefined;
  }

  async reserve(route: Route, inputTokens: number, maxOutputTokens: number, requestId: string): Promise<SpendHold | string> {
    if (!this.healthy) return this.reserveLocally(route, inputTokens, maxOutputTokens, requestId);
    const { micro, refused } = this.worstCase(route, inputTokens, maxOutputTokens);
    if (refused) return refused;
    const periodKey = this.periodKey;
    const keys = periodKeys(this.config.namespace, periodKey);
    const holdId = `h-${randomUUID()}`;
    let reply: ScriptReply;
    try {
      reply = await this.track(this.scripts.reserve(
        keys.spent, keys.held, keys.holds, keys.expiries, this.shared.state, this.shared.seq,
        this.now(), holdId, micro, this.options.holdTtlMs ?? DEFAULT_HOLD_TTL_MS, this.limitMicro, this.budget.pauseAtPercent, periodKey, this.shared.channel,
      ));
    } catch (e) {
      // Not known whether the hold was taken: it lapses by itself; the local ledger answers now.
      this.degrade(e);
      return this.reserveLocally(route, inputTokens, maxOutputTokens, requestId);
    }
    this.applyReply('reserve', periodKey, reply);
    if (Number(reply[0]) !== 1) {
      const why = String(reply[1]);
      return why === 'over-limit' ? this.overLimit(micro, Number(reply[2]), Number(reply[3])) : `new requests are held by the team's budget (${why})`;
    }
    const price = priceOf(route);
    let settled = false;
    return {
      settle: (usage: Usage | undefined, possiblyBilled: boolean) => {
        if (settled) return;
        settled = true;
        const usd = usage && price ? costUsd(price, usage.inputTokens, usage.outputTokens) : possiblyBilled ? micro / MICRO : 0;
        const charged = usage && price ? chargeMicro(usd) : possiblyBilled ? micro : 0;
        const entry: LedgerEntry = { at: new Date(this.now()).toISOString(), route: route.id, requestId, usd: charged / MICRO, estimated: !usage, hold: holdId };
        const p: Pending = { chargeId: holdId, holdId, holdPeriod: periodKey, micro: charged, entry };
        this.pending.set(p.chargeId, p);
        void this.track(this.sendCharge(p));
      },
    };
  }

  /** While Redis is away: the local ledger decides with its own limit, and its charges wait for Redis. */
  private async reserveLocally(route: Route, inputTokens: number, maxOutputTokens: number, requestId: string): Promise<SpendHold | string> {
    const hold = await this.local.reserve(route, inputTokens, maxOutputTokens, requestId);
    if (typeof hold === 'string') return hold;
    const { micro } = this.worstCase(route, inputTokens, maxOutputTokens);
    const price = priceOf(route);
    let settled = false;
    return {
      settle: (usage: Usage | undefined, possiblyBilled: boolean) => {
        if (settled) return;
        settled = true;
        hold.settle(usage, possiblyBilled);
        const charged = usage && price ? chargeMicro(costUsd(price, usage.inputTokens, usage.outputTokens)) : possiblyBilled ? micro : 0;
        if (charged <= 0) return;
        const chargeId = `l-${randomUUID()}`;
        const entry: LedgerEntry = { at: new Date(this.now()).toISOString(), route: route.id, requestId, usd: charged / MICRO, estimated: !usage };
        this.pending.set(chargeId, { chargeId, holdId: '', holdPeriod: this.periodKey, micro: charged, entry });
        // Redis may be back already: the charge goes in at once then.
        if (this.healthy) void this.track(this.reconcile());
      },
    };
  }

  /** Sends one charge; kept pending (and sent again by the same id) until Redis confirms it. */
  private async sendCharge(p: Pending): Promise<boolean> {
    const periodKey = periodKeyOf(this.budget.period, Date.parse(p.entry.at));
    const hold = periodKeys(this.config.namespace, p.holdPeriod);
    const keys = periodKeys(this.config.namespace, periodKey);
    const before = this.current();
    try {
      const reply = await this.scripts.settle(
        hold.held, hold.holds, hold.expiries, keys.spent, keys.held, keys.holds, keys.expiries, keys.routes, keys.charges, keys.chargeIds,
        this.shared.state, this.shared.seq,
        this.now(), p.holdId, p.chargeId, p.micro, p.entry.route, JSON.stringify(p.entry), CHARGES_KEPT, periodKey, this.shared.channel,
      );
      this.pending.delete(p.chargeId);
      if (Number(reply[0]) === 1 && p.micro > 0) {
        this.routes[p.entry.route] = (this.routes[p.entry.route] ?? 0) + p.micro;
        this.charges.push(p.entry);
        if (this.charges.length > CHARGES_KEPT) this.charges.splice(0, this.charges.length - CHARGES_KEPT);
      }
      this.applyReply('settle', periodKey, reply);
      this.thresholds(before.periodKey === periodKey ? Number(reply[1]) : 0, Number(reply[2]));
      return true;
    } catch (e) {
      this.degrade(e);
      return false;
    }
  }

  /** Sends every pending charge; true when none is left. */
  private async reconcile(): Promise<boolean> {
    for (const p of [...this.pending.values()]) {
      if (!(await this.sendCharge(p))) return false;
    }
    return this.pending.size === 0;
  }

  private thresholds(beforeMicro: number, afterMicro: number): void {
    const limit = this.budget.limitUsd;
    if (limit === undefined) return;
    const pct = (m: number) => (limit === 0 ? (m > 0 ? Infinity : 100) : (m / MICRO / limit) * 100);
    const [before, after] = [pct(beforeMicro), pct(afterMicro)];
    for (const threshold of THRESHOLDS) {
      if (before < threshold && after >= threshold) call(this.onEvent, { type: 'budget-threshold', percent: threshold, spentUsd: afterMicro / MICRO, limitUsd: limit });
    }
  }

  private applyReply(op: 'reserve' | 'settle' | 'budget', periodKey: string, reply: ScriptReply): void {
    this.options.onReply?.(op, reply);
    this.applyView({ periodKey, spent: Number(reply[2]), held: Number(reply[3]), manual: String(reply[4]) === '1', resumed: String(reply[5]), seq: Number(reply[6]) });
  }

  /** A newer view replaces the one kept; an older one (a late message or reply) is ignored. */
  private applyView(next: View, force = false): void {
    const v = this.view;
    if (!force && v && next.seq < v.seq) return;
    if (v && next.periodKey !== this.periodKey && v.periodKey === this.periodKey) {
      // Another period's figures (a hold of last month settled now): only the shared flags apply.
      this.view = { ...v, manual: next.manual, resumed: next.resumed, seq: Math.max(v.seq, next.seq) };
    } else {
      this.view = next;
    }
    this.checkGate();
  }

  private onMessage(text: string): void {
    if (!this.healthy) return;
    let m: { seq?: unknown; periodKey?: unknown; spent?: unknown; held?: unknown; manual?: unknown; resumed?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    // A message of the wrong shape is ignored, never read as nothing spent: the next refresh reads the figures.
    const money = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (typeof m.periodKey !== 'string' || !money(m.spent) || !money(m.held) || !money(m.seq)) return;
    this.applyView({ periodKey: m.periodKey, spent: m.spent, held: m.held, manual: m.manual === '1', resumed: String(m.resumed ?? ''), seq: m.seq });
  }

  /** Reads the figures again (and sends what is pending); true when Redis answered. */
  private refresh(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    // The subscriber may be ready before the command connection: nothing can be read yet, and
    // that is no outage (opening, and the connection's 'close', decide that).
    if (this.redis.status !== 'ready') {
      if (this.healthy) this.degrade('the team Redis is not ready');
      return Promise.resolve(false);
    }
    this.refreshing ??= this.readAll().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readAll(): Promise<boolean> {
    const periodKey = this.periodKey;
    const keys = periodKeys(this.config.namespace, periodKey);
    try {
      if (this.pending.size && !(await this.reconcile())) return false;
      const [reply, routes, charges] = await Promise.all([
        this.scripts.budget(keys.spent, keys.held, keys.holds, keys.expiries, this.shared.state, this.shared.seq, this.now(), 'read', periodKey, this.shared.channel),
        this.redis.hgetall(keys.routes),
        this.redis.lrange(keys.charges, 0, -1),
      ]);
      this.routes = Object.fromEntries(Object.entries(routes).map(([r, v]) => [r, Number(v)]));
      this.charges = charges.flatMap((line) => {
        try {
          return [JSON.parse(line) as LedgerEntry];
        } catch {
          return [];
        }
      });
      if (!this.healthy) {
        this.healthy = true;
        this.applyReply('budget', periodKey, reply);
        this.tell({ type: 'team-backend', part: 'ledger', state: 'connected' });
      } else {
        this.applyReply('budget', periodKey, reply);
      }
      return true;
    } catch (e) {
      this.degrade(e);
      return false;
    }
  }

  gate(): BudgetGate | undefined {
    if (this.budget.invalid) return 'budget-invalid';
    if (!this.healthy) return this.local.gate();
    const v = this.current();
    if (v.manual) return 'manual-pause';
    const limit = this.limitMicro;
    if (limit < 0) return undefined;
    const total = v.spent + v.held;
    if (total >= limit) return 'budget-exhausted';
    if (total * 100 >= this.budget.pauseAtPercent * limit && v.resumed !== v.periodKey) return 'budget-paused';
    return undefined;
  }

  private checkGate(): void {
    const gate = this.gate();
    if (gate !== this.lastGate) {
      this.lastGate = gate;
      call(this.onEvent, { type: 'budget-gate', gate });
    }
  }

  status(): BudgetStatus {
    if (!this.healthy) {
      const s = this.local.status();
      return { ...s, problems: [...s.problems, 'The team Redis cannot be reached: these are this machine\'s figures; its charges are added to the team\'s when Redis is back.'] };
    }
    const v = this.current();
    const limit = this.budget.limitUsd;
    const spentUsd = v.spent / MICRO;
    const reservedUsd = v.held / MICRO;
    const percent = limit === undefined ? undefined : limit === 0 ? (spentUsd + reservedUsd > 0 ? Infinity : 100) : ((spentUsd + reservedUsd) / limit) * 100;
    const gate = this.gate();
    return {
      ...(limit !== undefined ? { limitUsd: limit } : {}),
      period: this.budget.period,
      periodKey: v.periodKey,
      spentUsd,
      reservedUsd,
      ...(percent !== undefined ? { percent } : {}),
      pauseAtPercent: this.budget.pauseAtPercent,
      ...(gate ? { gate } : {}),
      resumed: v.resumed === v.periodKey,
      unreadableCharges: 0,
      problems: this.budget.invalid ? [this.budget.invalid] : [],
    };
  }

  private async budgetOp(op: 'pause' | 'resume'): Promise<void> {
    if (!this.healthy) {
      await this.local[op]();
      return;
    }
    const periodKey = this.periodKey;
    const keys = periodKeys(this.config.namespace, periodKey);
    try {
      const reply = await this.track(this.scripts.budget(keys.spent, keys.held, keys.holds, keys.expiries, this.shared.state, this.shared.seq, this.now(), op, periodKey, this.shared.channel));
      this.applyReply('budget', periodKey, reply);
    } catch (e) {
      this.degrade(e);
      await this.local[op]();
    }
  }

  /** Lifts a manual pause and the pause threshold for this period, for the whole team. The hard stop at 100% stays. */
  resume(): Promise<void> {
    return this.budgetOp('resume');
  }

  /** Holds new requests back for the whole team until `resume()`. */
  pause(): Promise<void> {
    return this.budgetOp('pause');
  }

  spentByRoute(): Record<string, number> {
    if (!this.healthy) return this.local.spentByRoute();
    return Object.fromEntries(Object.entries(this.routes).map(([r, m]) => [r, m / MICRO]));
  }

  entries(): readonly LedgerEntry[] {
    if (!this.healthy) return this.local.entries();
    const key = this.periodKey;
    return this.charges.filter((c) => periodKeyOf(this.budget.period, Date.parse(c.at)) === key);
  }

  /** Resolves once every script sent so far has answered (a charge Redis did not take stays pending for the reconnect). */
  async flushed(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await this.local.flushed();
  }

  /** Charges not yet in Redis (sent when it is back). */
  get pendingCharges(): number {
    return this.pending.size;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    void Promise.allSettled([...this.inFlight]).then(() => {
      this.redis.quit().catch(() => this.redis.disconnect());
      this.sub.quit().catch(() => this.sub.disconnect());
    });
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const done = () => this.inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /** Redis failed: the local ledger answers, and the event says so once; the next refresh that Redis answers brings it back. */
  private degrade(cause: unknown): void {
    const wasHealthy = this.healthy;
    this.healthy = false;
    if (this.closed || (!wasHealthy && this.announced === 'degraded')) return;
    const detail = typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : String(cause);
    this.tell({ type: 'team-backend', part: 'ledger', state: 'degraded', detail });
    this.checkGate();
  }

  private tell(event: TeamEvent): void {
    this.announced = event.state;
    call(this.onEvent, event);
  }
}
