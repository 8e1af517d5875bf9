/** Expected failures of runtime services. One exception filter maps codes to HTTP status. */
/**
 * `overloaded`: the backlog stayed at its bound, or the process runs its most payload scans or replays (details carry `retryAfterSeconds`).
 * `invalid_query`: a run search that cannot be answered (a `q` that does not parse, a search key the flow does not declare).
 * `replay_running`: a replay of the flow is already running (docs/replay.md).
 */
export type DomainErrorCode =
  | 'not_found' | 'conflict' | 'payload_rejected' | 'invalid_graph' | 'unavailable' | 'overloaded' | 'invalid_query' | 'replay_running';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
