/**
 * Runs `read` every `everyMs` (from the end of one read to the start of the
 * next), in the background, from the first `start()` until `stop()`. The
 * queue depth readers use it so that a process that never asks never reads.
 */
export class PeriodicReads {
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly everyMs: number,
    private readonly read: () => Promise<void>,
  ) {}

  /** True once stop() was called: a read under way should not record its result. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Reads at once, then periodically; later calls do nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.read().finally(() => this.schedule(this.everyMs));
    }, delayMs);
    this.timer.unref();
  }
}
