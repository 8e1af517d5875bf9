import type { Logger } from '@sluice/runtime';
import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * TypeORM's logger over Sluice's. Pool errors (an idle connection the server
 * closed, a lost network) arrive as `log('warn')` and are written; so are
 * migrations. Queries and query errors are not: a failed query reaches its
 * caller as an error, which logs it with its own context, and its parameters
 * hold run state that has no place in a log.
 */
export class StoreLogger implements TypeOrmLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(): void {}
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.info({}, message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : String(message);
    if (level === 'warn') this.logger.warn({}, text);
    else this.logger.debug({}, text);
  }
}
