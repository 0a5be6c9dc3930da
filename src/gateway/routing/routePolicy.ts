import {
  BulkheadPolicy, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker,
  bulkhead, circuitBreaker, handleWhen, retry, type RetryPolicy,
} from 'cockatiel';
import { isProviderError, type ProviderError } from './failures';
import { asAbortSignal, type AbortSignalLike } from './lightAbort';
import type { PolicyConfig } from './policyConfig';
import type { RequestAbort } from './requestAbort';
import { RetryAfterBackoff } from './retryBackoff';

/** A breaker's state in the user's words. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface RoutePolicyHooks {
  /** The breaker changed state (for the status bar, the log, and persistence). */
  onBreakerChange?(state: BreakerState): void;
  /** A retry on the same route is about to wait `delayMs`. */
  onRetry?(error: ProviderError, delayMs: number, attempt: number): void;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/**
 * One route's guard, from the outside in: a bulkhead (concurrent calls), retries (backoff with
 * full jitter, Retry-After honoured), a circuit breaker (consecutive failures), and a timeout
 * per attempt that aborts the HTTP call through the request's one signal (see RequestAbort: no
 * signal of its own per layer or per attempt).
 */
export class RoutePolicy {
  private breakerPolicy!: CircuitBreakerPolicy;
  /** Stops listening to a breaker that `build` replaced (its late state changes are void). */
  private stopListening: { dispose(): void } | undefined;
  private readonly bulkheadPolicy: BulkheadPolicy;
  private retryPolicy!: RetryPolicy;

  constructor(private readonly config: PolicyConfig, private readonly hooks: RoutePolicyHooks = {}, initialState?: unknown) {
    this.bulkheadPolicy = bulkhead(config.maxConcurrent, config.maxQueued);
    this.build(initialState);
  }

  private build(initialState?: unknown): void {
    const { config, hooks } = this;
    const tripsBreaker = handleWhen((e) => isProviderError(e) && e.decision.tripsBreaker);
    this.breakerPolicy = circuitBreaker(tripsBreaker, {
      halfOpenAfter: config.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(config.breakerThreshold),
      ...(initialState ? { initialState } : {}),
    });
    this.stopListening?.dispose();
    this.stopListening = this.breakerPolicy.onStateChange((state) => hooks.onBreakerChange?.(STATES[state]));
    // A retry would only repeat text the caller already has, or ignore the provider's own wait.
    const retryable = handleWhen((e) =>
      isProviderError(e) && e.decision.retry && !e.partialText &&
      (e.retryAfterMs === undefined || e.retryAfterMs <= config.retryAfterThresholdMs));
    this.retryPolicy = retry(retryable, { maxAttempts: config.retries, backoff: RetryAfterBackoff.create(config.initialDelayMs, config.maxDelayMs) });
    this.retryPolicy.onRetry((event) => {
      if ('error' in event && isProviderError(event.error)) hooks.onRetry?.(event.error, event.delay, event.attempt);
    });
  }

  /** Runs one guarded call; `fn` gets the attempt's signal (aborted on time-out or cancel). */
  execute<T>(fn: (signal: AbortSignalLike) => Promise<T>, request: RequestAbort): Promise<T> {
    const beforeProbe = this.state() === 'half-open' ? this.breakerPolicy.toJSON() : undefined;
    const { timeoutMs } = this.config;
    const signal = request.callerSignal ? asAbortSignal(request.callerSignal) : undefined;
    // Innermost, as a timeout policy would be: the time-out covers one attempt, not the backoff.
    const attempt = async (): Promise<T> => {
      const attemptSignal = request.beginTry(timeoutMs);
      try {
        return await fn(attemptSignal);
      } catch (e) {
        // This attempt was the probe and was cancelled (or refused): restore the breaker before
        // cockatiel's half-open handling closes it, so no one sees it closed meanwhile.
        if (beforeProbe && !isProviderError(e) && this.breakerPolicy === breaker && breaker.state === CircuitState.HalfOpen) this.build(beforeProbe);
        throw e;
      } finally {
        request.endTry();
      }
    };
    // The layers are called directly rather than through cockatiel's wrap(), which copies a
    // context object per layer per call.
    const breaker = this.breakerPolicy;
    const retried = this.retryPolicy;
    const run = this.bulkheadPolicy.execute(() => retried.execute(() => breaker.execute(attempt, signal), signal), signal);
    return beforeProbe ? this.afterProbe(run, beforeProbe) : run;
  }

  /**
   * cockatiel closes a half-open breaker when its probe throws an error the breaker does not
   * handle. A probe that was cancelled (or refused by the budget) proved nothing: put the
   * breaker back as it was, still waiting for a real probe.
   */
  private async afterProbe<T>(run: Promise<T>, beforeProbe: unknown): Promise<T> {
    try {
      return await run;
    } catch (e) {
      if (!isProviderError(e) && this.breakerPolicy.state === CircuitState.Closed) this.build(beforeProbe);
      throw e;
    }
  }

  /** A probe is in flight: callers would wait for it instead of failing over. */
  get probing(): boolean {
    return this.breakerPolicy.state === CircuitState.HalfOpen;
  }

  /** The breaker's state; an open breaker past its wait reads `half-open` (the next call probes). */
  state(now = Date.now()): BreakerState {
    const state = STATES[this.breakerPolicy.state];
    if (state !== 'open') return state;
    const openedAt = (this.breakerPolicy.toJSON() as { ownState?: { openedAt?: number } }).ownState?.openedAt ?? 0;
    return now - openedAt >= this.config.halfOpenAfterMs ? 'half-open' : 'open';
  }

  /** Saved state, to restore with the constructor's `initialState` after a reload. */
  toJSON(): unknown {
    return this.breakerPolicy.toJSON();
  }

  /** Closes the breaker by hand (the user says the route is fine again). */
  reset(): void {
    this.build();
    this.hooks.onBreakerChange?.('closed');
  }
}
