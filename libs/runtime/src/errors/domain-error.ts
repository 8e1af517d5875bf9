/** Expected failures of runtime services. One exception filter maps codes to HTTP status. */
/** `overloaded`: the backlog stayed at its bound (details carry `retryAfterSeconds`). */
export type DomainErrorCode = 'not_found' | 'conflict' | 'payload_rejected' | 'invalid_graph' | 'unavailable' | 'overloaded';

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
