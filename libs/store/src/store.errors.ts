/**
 * Errors the store throws on purpose. Anything else is a bug or an outage.
 */

/**
 * A write does not continue a run's history where the database has it: the
 * run is unknown, another transaction appended first, or two events claim the
 * same `seq`. The transaction is rolled back; re-read the run and decide again.
 */
export class StoreConflictError extends Error {
  readonly code = 'conflict' as const;
  constructor(message: string, readonly runIds: readonly string[]) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** A `RunWrite` that breaks the port's rules (seq not consecutive, events of another run …): a caller bug. */
export class InvalidRunWriteError extends Error {
  constructor(message: string, readonly runId: string) {
    super(message);
    this.name = 'InvalidRunWriteError';
  }
}

/** `listRuns` or `listFlowPage` was given a cursor it did not issue. */
export class InvalidCursorError extends Error {
  readonly code = 'bad_request' as const;
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}
