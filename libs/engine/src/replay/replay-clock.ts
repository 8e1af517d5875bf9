import type { EngineClock } from '../run/engine-clock';

/**
 * The clock of a replayed run. It starts when the original run started and
 * moves only when the replay delivers a message due later (a retry, the end
 * of a delay), straight to its due time: nothing waits, and the replay does
 * not depend on the time it runs at. No jitter; ids are numbered.
 */
export class ReplayClock implements EngineClock {
  private ms: number;
  private ids = 0;

  constructor(startMs: number) {
    this.ms = Number.isFinite(startMs) ? startMs : 0;
  }

  now(): Date {
    return new Date(this.ms);
  }

  random(): number {
    return 0.5;
  }

  newId(): string {
    this.ids += 1;
    return `replay-${this.ids}`;
  }

  /** Moves to `ms` (epoch ms) when that is later; never back. */
  advanceTo(ms: number): void {
    if (ms > this.ms) this.ms = ms;
  }
}
