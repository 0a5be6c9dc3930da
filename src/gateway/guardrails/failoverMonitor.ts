/**
 * Counts failovers in a sliding window and says when there are too many: one alert when the
 * count first goes over the limit, then quiet until the window has cleared.
 */
export class FailoverMonitor {
  private readonly times: number[] = [];
  private alerted = false;

  constructor(private readonly maxFailovers: number, readonly windowMs: number) {}

  /** Records a failover at `now`; returns the count when it crosses the limit, else undefined. */
  record(now: number): number | undefined {
    this.times.push(now);
    while (this.times.length && now - this.times[0]! > this.windowMs) this.times.shift();
    if (this.times.length <= this.maxFailovers) {
      this.alerted = false;
      return undefined;
    }
    if (this.alerted) return undefined;
    this.alerted = true;
    return this.times.length;
  }
}
