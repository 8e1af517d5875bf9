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

/**
 * The flow revision moved past the one a single-statement commit expected
 * (`NewRunBatch.expectFlowRevision`): the statement wrote nothing. Reload
 * the subscribe flows at `revision` and commit again.
 */
export class FlowRevisionMovedError extends Error {
  readonly code = 'flow_revision_moved' as const;
  constructor(readonly revision: number) {
    super(`the flow revision moved to ${revision}`);
    this.name = 'FlowRevisionMovedError';
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

/** Socket errors of a connection to PostgreSQL that cannot be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is not there for this session: connection
 * exceptions (class 08), too many connections, and a backend terminated or
 * a server shutting down or starting (57P01–57P03).
 */
const UNAVAILABLE_SQLSTATES = /^(08...|53300|57P0[123])$/;

/** What `pg` says when a connection ends under a query, the pool cannot get one in time, or a query outlives DATABASE_QUERY_TIMEOUT_MS. */
const LOST_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Query read timeout)/;

/**
 * The store cannot be reached right now (refused, reset or lost connection,
 * a terminated backend, a server starting or stopping), as opposed to a
 * query that failed on its own. The same request may succeed once the store
 * is back. Looks through TypeORM's `QueryFailedError` at the driver's error.
 */
export function isStoreUnavailable(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: socket errors may come from another realm (a VM context, a worker).
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth += 1) {
    const { code, message, driverError, cause } = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code))) return true;
    if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
    current = driverError ?? cause;
  }
  return false;
}
