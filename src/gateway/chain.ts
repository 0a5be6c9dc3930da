import { DEFAULT_DRAIN_PER_SECOND, DrainPacer } from './guardrails/drainPacer';
import { randomBytes } from 'node:crypto';
import type { AnswerCache } from './guardrails/local/answerCache';
import { AllRoutesFailedError, CancelledError, isAllRoutesFailedError, isCancelledError } from './routing/chainErrors';
import type { ColdQueue, DrainReport, QueueReason, QueuedRequest } from './guardrails/coldQueue';
import type { AnswerEvent, Attempt, AttemptOutcome, GatewayEvent } from './routing/events';
import { FailoverMonitor } from './guardrails/failoverMonitor';
import { idempotencyKey } from './guardrails/idempotency';
import { textOf, type ChatRequest, type ChatResponse } from './ir';
import type { BudgetEvent, BudgetGate, Ledger } from './guardrails/ledger';
import type { Notifier } from './guardrails/notifier';
import type { Router } from './routing/router';
import { LightAbort, type AbortSignalLike } from './routing/lightAbort';
import type { TeamEvent } from './guardrails/teamEvents';

/** The outcome of asking: an answer (perhaps from the cache), or a place in the cold queue. */
export type ChainResult =
  | {
    readonly status: 'answered';
    readonly routeId: string;
    readonly provider: string;
    readonly model: string;
    readonly response: ChatResponse;
    readonly text: string;
    readonly attempts: readonly Attempt[];
    readonly costUsd?: number;
    readonly continuation?: 'prefill' | 'restart';
    /** Answered from the local cache: no call was made, nothing was spent. */
    readonly fromCache: boolean;
    readonly cacheAgeMs?: number;
  }
  | {
    readonly status: 'queued';
    readonly queueId: string;
    readonly reason: QueueReason;
    readonly attempts: readonly Attempt[];
    readonly message: string;
  };

/** An answer from the chain. */
type Answered = Extract<ChainResult, { readonly status: 'answered' }>;

export type ChainEvent =
  | GatewayEvent
  | BudgetEvent
  | TeamEvent
  | { readonly type: 'queued'; readonly id: string; readonly label: string; readonly reason: QueueReason }
  | { readonly type: 'queue-answered'; readonly id: string; readonly label: string }
  | { readonly type: 'queue-expired'; readonly id: string; readonly label: string }
  | { readonly type: 'queue-failed'; readonly id: string; readonly label: string; readonly reason: string }
  | { readonly type: 'failover-alert'; readonly failovers: number; readonly windowMs: number }
  | { readonly type: 'cache-hit'; readonly ageMs: number };

export interface ChainOptions {
  readonly router: Router;
  readonly queue: ColdQueue;
  readonly ledger?: Ledger;
  readonly cache?: AnswerCache;
  readonly notifier?: Notifier;
  /** More failovers than this within the window raise an alert (and a webhook notice). */
  readonly failoverAlert?: { readonly maxFailovers: number; readonly windowMs: number };
  readonly now?: () => number;
  /** Queued requests sent per second at most by a drain of the local queue (the team queue paces itself). */
  readonly drainPerSecond?: number;
}

export interface AskOptions {
  readonly signal?: AbortSignalLike;
  readonly stream?: boolean;
  readonly onAnswer?: (event: AnswerEvent) => void;
  /** A few words saying what was asked, for the queue and notices (never payload text). */
  readonly label?: string;
  /** Skip the cache for this request (it still stores the answer). */
  readonly noCache?: boolean;
  /**
   * What to queue if the request cannot be sent now, when that differs from the request (an
   * agent's first turn is queued without tools: answered later, it must stand alone).
   */
  readonly queueAs?: ChatRequest;
}

/**
 * A header key's suffix: a tag random per process, then a count of its requests from a random
 * start, 6 hex digits each. Each process's first key is as random as 6 random bytes (one CLI run
 * asks once), and its later keys never repeat one another.
 */
const PROCESS_TAG = randomBytes(3).toString('hex');
const COUNT_SPAN = 0x1000000;
let askCount = randomBytes(3).readUIntBE(0, 3);

/** Outcomes that will not change by waiting: queueing such a request would only delay the error. */
const PERMANENT: ReadonlySet<AttemptOutcome> = new Set(['bad_request', 'context_too_long', 'context-window', 'not_found', 'disabled', 'cancelled', 'editor-only']);

/** A request being answered, shared by identical requests that arrive meanwhile. */
interface Shared {
  readonly promise: Promise<ChainResult>;
  /** Streaming callers; only a streamed call has events to give them. */
  readonly listeners: Set<(event: AnswerEvent) => void> | undefined;
  /** Stops the call; only a call started by a caller who can cancel can ever be stopped. */
  readonly abort: LightAbort | undefined;
  participants: number;
  /** Events so far, replayed to a request that joins late. */
  readonly replay: AnswerEvent[] | undefined;
}

/**
 * The whole fallback chain: the local cache, the money budget's gate, the hot and warm tiers
 * (the router), and the cold tier (the queue). A request that cannot be sent now is queued and
 * the caller told so; it is never dropped.
 */
export class Chain {
  private readonly inFlight = new Map<string, Shared>();
  /**
   * Requests this chain queued, by id, until their answer is seen: a team queue may be drained by
   * another member or the headless worker, and the answer is then found here, not in a report.
   */
  private readonly awaiting = new Map<string, string>();
  private readonly failovers: FailoverMonitor | undefined;
  private readonly listeners = new Set<(event: ChainEvent) => void>();
  private readonly now: () => number;

  constructor(private readonly options: ChainOptions) {
    this.now = options.now ?? Date.now;
    this.failovers = options.failoverAlert ? new FailoverMonitor(options.failoverAlert.maxFailovers, options.failoverAlert.windowMs) : undefined;
  }

  /** Subscribes to the chain's events; returns the unsubscribe. */
  onEvent(listener: (event: ChainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feeds the router's and the ledger's events through the chain (wire them here at start-up). */
  handle(event: GatewayEvent | BudgetEvent | TeamEvent): void {
    this.emit(event);
    // A route running out of rate limit is where most outages start: it counts like a failover.
    if ((event.type === 'failover' || event.type === 'headroom-low') && this.failovers) {
      const count = this.failovers.record(this.now());
      if (count !== undefined) {
        this.emit({ type: 'failover-alert', failovers: count, windowMs: this.failovers.windowMs });
        void this.options.notifier?.notify({ kind: 'failover-rate', failovers: count, windowMs: this.failovers.windowMs });
      }
    }
    if (event.type === 'budget-gate' && event.gate) {
      const status = this.options.ledger?.status();
      void this.options.notifier?.notify({ kind: 'budget-paused', gate: event.gate, spentUsd: status?.spentUsd ?? 0, ...(status?.limitUsd !== undefined ? { limitUsd: status.limitUsd } : {}) });
    }
  }

  async ask(request: ChatRequest, options: AskOptions = {}): Promise<ChainResult> {
    const key = idempotencyKey(request);
    const cached = options.noCache ? undefined : this.options.cache?.get(key);
    if (cached) {
      this.emit({ type: 'cache-hit', ageMs: cached.ageMs });
      const text = textOf(cached.response.message);
      if (options.stream && text) options.onAnswer?.({ type: 'text', text, route: cached.routeId });
      return {
        status: 'answered', routeId: cached.routeId, provider: cached.provider, model: cached.model,
        response: cached.response, text, attempts: [], fromCache: true, cacheAgeMs: cached.ageMs,
        ...(cached.costUsd !== undefined ? { costUsd: 0 } : {}),
      };
    }
    const shared = this.inFlight.get(key) ?? this.start(key, request, options);
    return this.join(shared, options);
  }

  /** Starts the one real call for a key; identical requests join it instead of calling again. */
  private start(key: string, request: ChatRequest, options: AskOptions): Shared {
    // The call stops only when all who wait for it have cancelled, and one who cannot cancel
    // never leaves: started by such a caller, it needs no way to stop.
    const abort = options.signal ? new LightAbort() : undefined;
    // A call that does not stream has no events for anyone (the router gives them only to streams).
    const listeners = options.stream ? new Set<(event: AnswerEvent) => void>() : undefined;
    const replay: AnswerEvent[] | undefined = listeners ? [] : undefined;
    const onAnswer = listeners && replay ? (event: AnswerEvent) => {
      replay.push(event);
      for (const listener of listeners) listener(event);
    } : undefined;
    // The header key is per logical request: retries and failovers share it, a later identical
    // question (after the cache has expired) does not. 12 hex digits (see PROCESS_TAG), without
    // drawing random bytes per request.
    const headerKey = `${key}-${PROCESS_TAG}${(askCount++ % COUNT_SPAN).toString(16).padStart(6, '0')}`;
    const promise = this.answerOrQueue(request, headerKey, key, options, abort, onAnswer).finally(() => this.inFlight.delete(key));
    const shared: Shared = { promise, listeners, abort, participants: 0, replay };
    this.inFlight.set(key, shared);
    return shared;
  }

  private join(shared: Shared, options: AskOptions): Promise<ChainResult> {
    shared.participants++;
    // A caller that cannot cancel never leaves, so the call is never stopped on its account.
    if (!options.signal && !(options.stream && options.onAnswer)) return shared.promise;
    const listener = options.stream && shared.listeners ? options.onAnswer : undefined;
    if (listener) {
      for (const event of shared.replay!) listener(event);
      shared.listeners!.add(listener);
    }
    const leave = () => {
      if (listener) shared.listeners!.delete(listener);
      shared.participants--;
      // The call stops only when everyone who waits for it has cancelled.
      if (shared.participants === 0) shared.abort?.abort();
    };
    return new Promise<ChainResult>((resolve, reject) => {
      const onAbort = () => {
        leave();
        reject(new CancelledError([]));
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(resolve, reject).finally(() => {
        options.signal?.removeEventListener('abort', onAbort);
        if (listener) shared.listeners!.delete(listener);
      });
    });
  }

  private async answerOrQueue(request: ChatRequest, headerKey: string, cacheKey: string, options: AskOptions, signal: LightAbort | undefined, onAnswer: ((event: AnswerEvent) => void) | undefined): Promise<ChainResult> {
    const label = options.label ?? 'a request';
    const gate = this.options.ledger?.gate();
    const queued = options.queueAs ?? request;
    if (gate) return this.enqueue(queued, headerKey, label, gate, [], gateMessage(gate));
    try {
      const answer = await this.options.router.send(request, { stream: options.stream ?? false, idempotencyKey: headerKey, signal, onAnswer });
      const costUsd = answer.costUsd;
      const { route, response } = answer;
      // Only whole answers are reused: one cut by the output cap or a filter is asked again.
      if (response.stopReason === 'end' && this.options.cache) {
        this.options.cache.put(cacheKey, {
          routeId: route.id, provider: route.provider, model: route.model, response,
          ...(costUsd !== undefined ? { costUsd } : {}),
        });
      }
      // Built field by field, absent fields left out: made on every request.
      const result: { -readonly [K in keyof Answered]: Answered[K] } = {
        status: 'answered', routeId: route.id, provider: route.provider, model: response.model ?? route.model,
        response, text: textOf(response.message), attempts: answer.attempts, fromCache: false,
      };
      if (costUsd !== undefined) result.costUsd = costUsd;
      if (answer.continuation) result.continuation = answer.continuation;
      return result;
    } catch (e) {
      if (isCancelledError(e)) throw e;
      if (!isAllRoutesFailedError(e)) throw e;
      if (e.attempts.length > 0 && e.attempts.every((a) => PERMANENT.has(a.outcome))) throw e;
      const overBudget = e.attempts.length > 0 && e.attempts.every((a) => a.outcome === 'over-budget' || PERMANENT.has(a.outcome));
      const tried = e.attempts.map((x) => `${x.route}: ${x.outcome}`).join(', ');
      return this.enqueue(queued, headerKey, label, overBudget ? 'over-budget' : 'all-routes-failed', e.attempts,
        `${overBudget ? 'no route fits the money budget now' : 'every route failed'} (${tried})`);
    }
  }

  private async enqueue(request: ChatRequest, headerKey: string, label: string, reason: QueueReason, attempts: readonly Attempt[], why: string): Promise<ChainResult> {
    const requestKey = idempotencyKey(request);
    // Asked again while waiting: the same entry answers both, and nobody is told twice.
    const waiting = await this.options.queue.find(requestKey);
    const entry = waiting ?? await this.options.queue.add({ reason, request, idempotencyKey: headerKey, requestKey, label, attempts });
    if (!waiting) {
      this.awaiting.set(entry.id, label);
      this.emit({ type: 'queued', id: entry.id, label, reason });
      if (reason === 'all-routes-failed' || reason === 'over-budget') {
        void this.options.notifier?.notify({ kind: 'chain-cold', queueId: entry.id, reason: why });
      }
    }
    return { status: 'queued', queueId: entry.id, reason, attempts, message: `Queued as ${entry.id}: ${why}. It will be sent when a route recovers${reason.startsWith('budget') || reason === 'manual-pause' ? ' and requests are resumed' : ''}.` };
  }

  /**
   * Sends queued requests in order while routes answer and the budget allows. `stopping` is
   * asked before each request: a worker told to stop finishes the one in hand, then stops.
   */
  async drain(options: { readonly stopping?: () => boolean } = {}): Promise<DrainReport> {
    // Every drain is paced here, the team queue's local fallback too (the team queue also paces
    // its own jobs by team.drainPerSecond, across members: the slower of the two applies).
    const pacer = new DrainPacer({ perSecond: this.options.drainPerSecond ?? DEFAULT_DRAIN_PER_SECOND, interactive: () => this.inFlight.size });
    const stopping = options.stopping;
    const report = await this.options.queue.drain((entry) => (stopping?.() ? Promise.resolve({ stop: 'the worker is stopping' }) : this.sendQueued(entry, pacer, stopping)));
    for (const answer of report.answered) {
      this.awaiting.delete(answer.id);
      this.emit({ type: 'queue-answered', id: answer.id, label: answer.label });
    }
    await this.answeredElsewhere(report);
    for (const entry of report.expired) this.emit({ type: 'queue-expired', id: entry.id, label: entry.label });
    for (const { entry, reason } of report.failed) this.emit({ type: 'queue-failed', id: entry.id, label: entry.label, reason });
    if (report.answered.length || report.expired.length) {
      void this.options.notifier?.notify({ kind: 'queue-drained', answered: report.answered.length, remaining: report.remaining, expired: report.expired.length });
    }
    return report;
  }

  /** Tells of answers to this chain's requests that someone else's drain stored. */
  private async answeredElsewhere(report: DrainReport): Promise<void> {
    for (const { entry } of report.failed) this.awaiting.delete(entry.id);
    for (const entry of report.expired) this.awaiting.delete(entry.id);
    for (const [id, label] of [...this.awaiting]) {
      const answer = await this.options.queue.answer(id).catch(() => undefined);
      if (!answer) continue;
      this.awaiting.delete(id);
      this.emit({ type: 'queue-answered', id, label: answer.label || label });
    }
  }

  private async sendQueued(entry: QueuedRequest, pacer: DrainPacer, stopping?: () => boolean): ReturnType<Parameters<ColdQueue['drain']>[0]> {
    // First the pace, which may wait for the user's own requests: one of them may be this one.
    await pacer.beforeSend();
    if (stopping?.()) return { stop: 'the worker is stopping' };
    // The same request answered meanwhile (asked again once a route was back) costs nothing more.
    const cached = this.options.cache?.get(idempotencyKey(entry.request));
    if (cached) return { answer: { route: cached.routeId, provider: cached.provider, model: cached.model, response: cached.response, costUsd: 0 } };
    const gate = this.options.ledger?.gate();
    if (gate) return { stop: gateMessage(gate) };
    try {
      const answer = await this.options.router.send(entry.request, { idempotencyKey: entry.idempotencyKey });
      if (answer.response.stopReason === 'end') this.options.cache?.put(idempotencyKey(entry.request), { routeId: answer.route.id, provider: answer.route.provider, model: answer.route.model, response: answer.response });
      return {
        answer: {
          route: answer.route.id, provider: answer.route.provider, model: answer.response.model ?? answer.route.model, response: answer.response,
          ...(answer.costUsd !== undefined ? { costUsd: answer.costUsd } : {}),
        },
      };
    } catch (e) {
      // Refused for good by every route (400, 404, too long for every window): waiting cannot help.
      if (e instanceof AllRoutesFailedError && e.attempts.length > 0 && e.attempts.every((a) => PERMANENT.has(a.outcome))) {
        return { drop: `every route refused it: ${e.attempts.map((a) => `${a.route}: ${a.outcome}`).join(', ')}` };
      }
      if (e instanceof AllRoutesFailedError) return { stop: `no route answered (${e.attempts.map((a) => `${a.route}: ${a.outcome}`).join(', ')})` };
      if (isCancelledError(e)) return { stop: 'cancelled' };
      throw e;
    }
  }

  private emit(event: ChainEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure never breaks the request path.
      }
    }
  }
}

function gateMessage(gate: BudgetGate): string {
  switch (gate) {
    case 'budget-invalid': return 'the money budget setting is invalid (fix it: the settings problems say how)';
    case 'manual-pause': return 'AI requests are paused';
    case 'budget-paused': return 'the money budget reached its pause threshold';
    case 'budget-exhausted': return 'the money budget is spent';
  }
}
