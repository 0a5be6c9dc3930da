import { ExponentialBackoff, fullJitterGenerator, type IBackoff, type IBackoffFactory, type IRetryBackoffContext } from 'cockatiel';
import { isProviderError } from './failures';

type Context = IRetryBackoffContext<unknown>;

/** The wait a failed attempt asked for (Retry-After and friends), if any. */
function requestedWait(context: Context): number | undefined {
  const error = 'error' in context.result ? context.result.error : undefined;
  return isProviderError(error) ? error.retryAfterMs : undefined;
}

/**
 * Exponential backoff with full jitter, capped, except that a wait the provider asked for wins:
 * retrying earlier than Retry-After only earns another 429. (Waits above the fail-over threshold
 * never get here: the retry policy does not handle those errors.)
 */
export class RetryAfterBackoff implements IBackoffFactory<Context> {
  constructor(
    private readonly exponential: IBackoffFactory<unknown>,
  ) {}

  static create(initialDelayMs: number, maxDelayMs: number): RetryAfterBackoff {
    return new RetryAfterBackoff(new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: initialDelayMs, maxDelay: maxDelayMs }));
  }

  next(context: Context): IBackoff<Context> {
    const jittered = this.exponential.next(context);
    const requested = requestedWait(context);
    return {
      duration: requested ?? jittered.duration,
      next: (ctx: Context) => new RetryAfterBackoff(jittered).next(ctx),
    };
  }
}
