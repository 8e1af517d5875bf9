/** Time, randomness and ids, injected so transitions are deterministic under test. */
export interface EngineClock {
  now(): Date;
  /** Uniform in [0, 1); drives retry jitter. */
  random(): number;
  /** A fresh unique id (dead-letter ids). */
  newId(): string;
}
