import type { EngineClock } from '../run/engine-clock';

/** Test clock: starts at 2025-01-01T00:00:00Z, moves only when told; random() is fixed (0.5 = no jitter). */
export class FakeClock implements EngineClock {
  private ms = Date.parse('2025-01-01T00:00:00.000Z');
  private ids = 0;
  randomValue = 0.5;
  /** Added to the time on every now() call, in ms, to make durations measurable. */
  tickMs = 0;

  now(): Date {
    const current = new Date(this.ms);
    this.ms += this.tickMs;
    return current;
  }

  random(): number {
    return this.randomValue;
  }

  newId(): string {
    this.ids += 1;
    return `dl-${this.ids}`;
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  iso(offsetMs = 0): string {
    return new Date(this.ms + offsetMs).toISOString();
  }
}
