// The pace of a drain of the cold queue. After an outage the backlog is sent at a steady rate,
// with jitter, so that recovering from a rate limit does not cause the next one. Requests people
// are waiting on (an interactive ask, an agent's next turn) go before the backlog.

export interface DrainPacerOptions {
  /** Sends per second at most; each pause is lengthened by up to `jitter` of itself. */
  readonly perSecond: number;
  readonly jitter?: number;
  /** How many interactive requests are in flight now; the drain waits while there are any. */
  readonly interactive?: () => number;
  /** The longest one queued send yields to interactive ones, so a busy window still drains. */
  readonly maxYieldMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const DEFAULT_DRAIN_PER_SECOND = 5;
const DEFAULT_JITTER = 0.2;
const DEFAULT_MAX_YIELD_MS = 30_000;
const YIELD_POLL_MS = 50;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One drain's pacing: call `beforeSend` right before each queued request goes out. */
export class DrainPacer {
  private lastSend: number | undefined;
  private readonly interval: number;

  constructor(private readonly options: DrainPacerOptions) {
    if (!(options.perSecond > 0)) throw new RangeError(`A drain rate must be a positive number per second, not ${options.perSecond}.`);
    this.interval = 1_000 / options.perSecond;
  }

  async beforeSend(): Promise<void> {
    const now = this.options.now ?? Date.now;
    const sleep = this.options.sleep ?? realSleep;
    const interactive = this.options.interactive;
    if (interactive && interactive() > 0) {
      const until = now() + (this.options.maxYieldMs ?? DEFAULT_MAX_YIELD_MS);
      while (interactive() > 0 && now() < until) await sleep(YIELD_POLL_MS);
    }
    if (this.lastSend !== undefined) {
      // Jitter only lengthens the pause: the rate is never exceeded.
      const pause = this.interval * (1 + (this.options.random ?? Math.random)() * (this.options.jitter ?? DEFAULT_JITTER));
      const wait = this.lastSend + pause - now();
      if (wait > 0) await sleep(wait);
    }
    this.lastSend = now();
  }
}
