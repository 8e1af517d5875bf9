import type { Logger } from '@sluice/runtime';

/**
 * Routes Nest's own log lines into the structured logger. It has the shape of
 * Nest's `LoggerService`, so both apps pass it to their Nest factory; this
 * library itself imports nothing from Nest.
 */
export class NestPinoLogger {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
}
