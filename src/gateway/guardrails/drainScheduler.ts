import type { DrainReport } from './coldQueue';

export interface DrainSchedulerOptions {
  /** First wait before probing a queue that could not drain; doubles up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Drains the cold queue when it can make progress: at once when a route recovers (a breaker
 * closes) or the user resumes or sets a key, and otherwise by scheduled probes with backoff while
 * requests wait. A probe is a real drain: its first request is the probe.
 */
export class DrainScheduler {
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private readonly initial: number;
  private readonly max: number;
  private running: Promise<void> | undefined;
  private disposed = false;

  constructor(
    private readonly drain: () => Promise<DrainReport>,
    private readonly waiting: () => Promise<number>,
    private readonly options: DrainSchedulerOptions = {},
  ) {
    this.initial = options.initialDelayMs ?? 30_000;
    this.max = options.maxDelayMs ?? 600_000;
    this.delay = this.initial;
  }

  /** A request was queued: make sure a probe is coming. */
  kick(): void {
    if (!this.timer && !this.running && !this.disposed) this.schedule();
  }

  /** Something changed that may let the queue drain: try now. */
  now(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.clear();
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      if ((await this.waiting()) === 0) {
        this.delay = this.initial;
        return;
      }
      const report = await this.drain();
      if (report.remaining === 0) {
        this.delay = this.initial;
        // Something may have been queued while this drain ran.
        if ((await this.waiting()) > 0) this.schedule();
        return;
      }
      this.options.log?.(`queue: ${report.remaining} still waiting (${report.stoppedBecause ?? 'not sent'}); next try in ${Math.round(this.delay / 1000)} s`);
      this.schedule();
      this.delay = Math.min(this.max, this.delay * 2);
    } catch (e) {
      this.options.log?.(`queue drain failed: ${e instanceof Error ? e.message : String(e)}`);
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.disposed) return;
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.now();
    }, this.delay);
    this.timer.unref?.();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
  }
}
