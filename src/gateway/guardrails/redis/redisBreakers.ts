import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { BreakerState } from '../../routing/routePolicy';
import type { TeamBreakerPolicy, TeamBreakers, TeamOutcome } from '../teamBreakers';
import type { TeamEvent } from '../teamEvents';
import { CLAIM, RECORD, RELEASE, SNAPSHOT } from './breakerScripts';
import { redisClient, type RedisClientOptions, callListener as call, whenReady } from './redisClient';
import type { TeamConfig } from './teamConfig';

export interface RedisBreakersOptions extends Pick<RedisClientOptions, 'password' | 'log'> {
  /** How often the mirror is read again in full, beside the pushed changes (and the health check while degraded). */
  readonly refreshMs?: number;
}

/** One route as the mirror last heard it; a route not in the mirror is closed. */
interface Mirrored {
  /** Local time the wait ends (then half-open). */
  until: number;
  /** Local time another client's probe claim lapses; 0 when none is known. */
  probeUntil: number;
}

/** A script's reply: the state it left (or 'same'), ms of wait left, ms of probe claim left, sequence number. */
type Reply = [string, number, number, number];

type Scripted = Redis & {
  cgBreakerRecord(...args: Array<string | number>): Promise<Reply>;
  cgBreakerClaim(...args: Array<string | number>): Promise<Reply>;
  cgBreakerRelease(...args: Array<string | number>): Promise<Reply>;
  cgBreakerSnapshot(...args: Array<string | number>): Promise<Array<string | number>>;
};

const DEFAULT_REFRESH_MS = 5_000;

/**
 * Team breakers in Redis: the state lives in a few keys under the namespace, changed only by Lua
 * scripts (see breakerScripts.ts) and pushed to every client on `${namespace}:breakers`; each
 * client keeps a mirror, so `view` costs no round trip. When Redis cannot be reached the mirror
 * is set aside (every route reads closed, the router's own breakers decide), a `degraded` event
 * says so once, and a refresh brings it back when Redis answers again.
 */
export class RedisBreakers implements TeamBreakers {
  private readonly mirror = new Map<string, Mirrored>();
  /** Sequence number of the last change applied per route, kept after it closes so a late message cannot reopen it. */
  private readonly seqs = new Map<string, number>();
  /** Probe claims this client holds, by route: the token that proves it. */
  private readonly claims = new Map<string, string>();
  private readonly changeListeners = new Set<(routeId: string, state: BreakerState) => void>();
  private readonly teamListeners = new Set<(event: TeamEvent) => void>();
  private readonly keys: { failures: string; open: string; seq: string; probe: string; channel: string };
  private healthy = false;
  private lastEvent: TeamEvent | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private constructor(private readonly redis: Scripted, private readonly sub: Redis, config: TeamConfig, refreshMs: number) {
    const ns = config.namespace;
    this.keys = { failures: `${ns}:breakers:failures`, open: `${ns}:breakers:open`, seq: `${ns}:breakers:seq`, probe: `${ns}:breakers:probe:`, channel: `${ns}:breakers` };
    redis.defineCommand('cgBreakerRecord', { numberOfKeys: 4, lua: RECORD });
    redis.defineCommand('cgBreakerClaim', { numberOfKeys: 3, lua: CLAIM });
    redis.defineCommand('cgBreakerRelease', { numberOfKeys: 3, lua: RELEASE });
    redis.defineCommand('cgBreakerSnapshot', { numberOfKeys: 2, lua: SNAPSHOT });
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.keys.channel) this.onMessage(text);
    });
    // ioredis subscribes again by itself after a reconnect; what was published meanwhile is read back.
    sub.on('ready', () => void this.refresh());
    redis.on('ready', () => void this.refresh());
    redis.on('close', () => this.degrade('the connection to the team Redis closed'));
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref?.();
  }

  /**
   * Connects (waiting at most a few time-outs for Redis to be ready) and reads the team's state.
   * Never fails: an unreachable Redis gives a degraded instance that connects when it can.
   */
  static async open(config: TeamConfig, options: RedisBreakersOptions = {}): Promise<RedisBreakers> {
    const client = redisClient(config, options) as Scripted;
    const sub = redisClient(config, options);
    const breakers = new RedisBreakers(client, sub, config, options.refreshMs ?? DEFAULT_REFRESH_MS);
    const waitMs = Math.max(config.timeoutMs * 4, 1_000);
    const [ready] = await Promise.all([whenReady(client, waitMs), whenReady(sub, waitMs)]);
    if (ready) await sub.subscribe(breakers.keys.channel).catch(() => undefined);
    if (!ready || !(await breakers.refresh())) breakers.degrade('the team Redis is not reachable');
    return breakers;
  }

  view(routeId: string, now = Date.now()): BreakerState {
    const entry = this.healthy ? this.mirror.get(routeId) : undefined;
    if (!entry) return 'closed';
    return now < entry.until ? 'open' : 'half-open';
  }

  async claimProbe(routeId: string, lockMs: number): Promise<boolean> {
    if (!this.healthy) return true;
    const entry = this.mirror.get(routeId);
    // Another client's claim is known: no round trip until it lapses or is given back.
    if (entry && entry.probeUntil > Date.now()) return false;
    const token = randomUUID();
    try {
      const reply = await this.redis.cgBreakerClaim(this.keys.open, this.keys.probe + routeId, this.keys.seq, this.keys.channel, routeId, token, Math.max(1, Math.round(lockMs)));
      this.apply(routeId, reply);
      if (reply[0] === 'probe') this.claims.set(routeId, token);
      return reply[0] === 'probe' || reply[0] === 'closed';
    } catch (e) {
      this.degrade(e);
      return true;
    }
  }

  async record(routeId: string, outcome: TeamOutcome, policy: TeamBreakerPolicy): Promise<void> {
    if (!this.healthy) return;
    const token = this.claims.get(routeId) ?? '';
    this.claims.delete(routeId);
    try {
      const reply = await this.redis.cgBreakerRecord(
        this.keys.failures, this.keys.open, this.keys.probe + routeId, this.keys.seq,
        this.keys.channel, routeId, outcome, policy.breakerThreshold, policy.halfOpenAfterMs, token,
      );
      this.apply(routeId, reply);
    } catch (e) {
      this.degrade(e);
    }
  }

  async releaseProbe(routeId: string): Promise<void> {
    const token = this.claims.get(routeId);
    this.claims.delete(routeId);
    if (!token || !this.healthy) return;
    try {
      this.apply(routeId, await this.redis.cgBreakerRelease(this.keys.probe + routeId, this.keys.seq, this.keys.open, this.keys.channel, routeId, token));
    } catch (e) {
      this.degrade(e);
    }
  }

  onChange(listener: (routeId: string, state: BreakerState) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onTeamEvent(listener: (event: TeamEvent) => void): () => void {
    this.teamListeners.add(listener);
    if (this.lastEvent?.state === 'degraded') call(listener, this.lastEvent);
    return () => this.teamListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.changeListeners.clear();
    this.teamListeners.clear();
    await Promise.all([this.redis.quit().catch(() => this.redis.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }

  /** Reads every open route again; true when Redis answered (and the team part is connected). */
  private async refresh(): Promise<boolean> {
    if (this.closed) return false;
    let reply: Array<string | number>;
    try {
      reply = await this.redis.cgBreakerSnapshot(this.keys.open, this.keys.seq, this.keys.probe);
    } catch (e) {
      this.degrade(e);
      return false;
    }
    const now = Date.now();
    const seq = Number(reply[0]);
    if (!this.healthy) this.seqs.clear();
    const before = this.states(now);
    const seen = new Set<string>();
    for (let i = 1; i + 2 < reply.length; i += 3) {
      const route = String(reply[i]);
      seen.add(route);
      if ((this.seqs.get(route) ?? 0) > seq) continue;
      const probeMs = Number(reply[i + 2]);
      this.mirror.set(route, { until: now + Number(reply[i + 1]), probeUntil: probeMs > 0 ? now + probeMs : 0 });
      this.seqs.set(route, seq);
    }
    for (const route of [...this.mirror.keys()]) {
      if (!seen.has(route) && (this.seqs.get(route) ?? 0) <= seq) this.mirror.delete(route);
    }
    if (!this.healthy) {
      this.healthy = true;
      this.tell({ type: 'team-backend', part: 'breakers', state: 'connected' });
    }
    this.announce(before, now);
    return true;
  }

  private onMessage(text: string): void {
    let message: { route?: unknown; state?: unknown; waitMs?: unknown; probeMs?: unknown; seq?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.route !== 'string' || typeof message.state !== 'string') return;
    this.apply(message.route, [message.state, Number(message.waitMs) || 0, Number(message.probeMs) || 0, Number(message.seq) || 0]);
  }

  /** Applies a script's reply or a pushed change to the mirror; a change older than the mirror's is ignored. */
  private apply(route: string, [state, waitMs, probeMs, seq]: Reply): void {
    if (!this.healthy || state === 'same') return;
    const now = Date.now();
    const entry = this.mirror.get(route);
    // Replies without a sequence number are what Redis holds now; numbered ones are changes.
    if (seq) {
      if (seq <= (this.seqs.get(route) ?? 0)) return;
      this.seqs.set(route, seq);
    }
    const before = this.states(now, route);
    if (state === 'closed') {
      this.mirror.delete(route);
    } else if (state === 'open') {
      this.mirror.set(route, { until: now + waitMs, probeUntil: 0 });
    } else if (state === 'half-open' || state === 'busy') {
      this.mirror.set(route, { until: Math.min(entry?.until ?? now, now), probeUntil: probeMs > 0 ? now + probeMs : 0 });
    } else if (state === 'probe' && entry) {
      // Our own claim: others skip the route, this client is the one sending.
      entry.until = Math.min(entry.until, now);
    }
    this.announce(before, now);
  }

  /** Views of the mirrored routes (or of one), to tell what changed. */
  private states(now: number, only?: string): Map<string, BreakerState> {
    const routes = only ? [only] : [...this.mirror.keys()];
    return new Map(routes.map((route) => [route, this.view(route, now)]));
  }

  private announce(before: Map<string, BreakerState>, now: number): void {
    const routes = new Set([...before.keys(), ...this.mirror.keys()]);
    for (const route of routes) {
      const state = this.view(route, now);
      if ((before.get(route) ?? 'closed') !== state) for (const listener of this.changeListeners) call(listener, route, state);
    }
  }

  /**
   * Redis failed: the mirror is set aside (the router's own breakers decide) and the event says
   * so once; the next refresh that Redis answers brings it back.
   */
  private degrade(cause: unknown): void {
    if (!this.healthy && this.lastEvent) return;
    this.healthy = false;
    this.claims.clear();
    if (this.closed) return;
    const detail = typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : String(cause);
    this.tell({ type: 'team-backend', part: 'breakers', state: 'degraded', detail });
  }

  private tell(event: TeamEvent): void {
    this.lastEvent = event;
    for (const listener of this.teamListeners) call(listener, event);
  }
}
