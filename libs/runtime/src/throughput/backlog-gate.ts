/**
 * Backpressure: callers wait while a backlog is above a limit, so work is not
 * accepted faster than it is done and the latency of accepted work stays
 * bounded (about limit ÷ throughput). Waiters leave in arrival order, as many
 * as there are free places; none waits longer than `maxWaitMs`.
 */
export class BacklogGate {
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly backlog: () => number,
    private readonly limit: number,
    /** Longest wait, in ms: past it the caller proceeds, so a stalled consumer cannot hang callers. */
    private readonly maxWaitMs: number,
  ) {}

  get waiting(): number {
    return this.waiters.length;
  }

  wait(): Promise<void> {
    if (this.waiters.length === 0 && this.backlog() < this.limit) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const leave = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(leave);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve();
      }, this.maxWaitMs);
      timer.unref();
      this.waiters.push(leave);
    });
  }

  /** Call when the backlog shrinks. */
  release(): void {
    let free = this.limit - this.backlog();
    while (free > 0 && this.waiters.length > 0) {
      this.waiters.shift()!();
      free -= 1;
    }
  }
}
