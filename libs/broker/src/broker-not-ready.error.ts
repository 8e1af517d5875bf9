/** Raised when a broker is used before start(), after close(), or while its connection is down. The caller retries later. */
export class BrokerNotReadyError extends Error {
  override readonly name = 'BrokerNotReadyError';
}
