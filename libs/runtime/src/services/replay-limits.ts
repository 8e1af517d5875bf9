/** Bounds of shadow replays (docs/replay.md#bounds). */
export const REPLAY_LIMITS = Object.freeze({
  /** Most events one replay covers. */
  maxEvents: 10_000,
  /** Events a replay covers when the request names no `limit`. */
  defaultEvents: 100,
  /** Events replayed between two writes of progress; the replay yields to other work between chunks. */
  eventsPerChunk: 100,
  /** Largest stub, as UTF-8 JSON, in bytes (64 KiB). */
  maxStubBytes: 64 * 1024,
  /** Replays kept per flow; starting one deletes the older ones past it, with their events. */
  keepPerFlow: 20,
  /** Runs a `q` scan examines, at most, newest first. */
  maxScannedRuns: 50_000,
  /** Time a `q` scan takes, at most, in ms (60 s); the replay covers the matches found by then. */
  maxScanMs: 60_000,
  /** Runs a `q` scan reads from the store at a time. */
  runsPerScanRead: 250,
  /** How often a process marks the replays it runs as alive, in ms (10 s). */
  heartbeatMs: 10_000,
  /** A running replay untouched this long is failed as interrupted, in ms (60 s). */
  staleAfterMs: 60_000,
  /** How often a process looks for interrupted replays, in ms (30 s), besides at start-up. */
  sweepEveryMs: 30_000,
  /** Seconds a replay refused at SLUICE_REPLAY_MAX_RUNNING is told to wait (Retry-After). */
  busyRetryAfterSeconds: 5,
});

/** Replays running at once in one process, across flows, when the settings say nothing (SLUICE_REPLAY_MAX_RUNNING). */
export const DEFAULT_MAX_RUNNING_REPLAYS = 2;
