/** Expected failures of runtime services. One exception filter maps codes to HTTP status. */
export type DomainErrorCode = 'not_found' | 'conflict' | 'payload_rejected' | 'invalid_graph' | 'unavailable';

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
