import type { Settings } from '@sluice/config';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@sluice/runtime';
import { LogRedactor, REDACTED, urlPassword } from './log-redaction';

/** The settings a logger reads: its level, and the secrets it must never write. */
export type LoggerSettings = Pick<Settings, 'LOG_LEVEL' | 'secrets' | 'SLUICE_API_KEYS' | 'DATABASE_URL' | 'BROKER_URL' | 'AMQP_URL'>;

export interface LoggerOptions {
  /** `service` field of every line, e.g. `sluice-api`. */
  service: string;
  /** More fields on every line, e.g. `{ pid }`. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * The structured logger of both entry points. Every line is cleaned before
 * it is written (log-redaction.ts): authorization-like fields at any depth
 * and in any case, passwords and secret query parameters in URLs, the values
 * of `SLUICE_SECRET_*`, the API keys and connection passwords wherever they
 * appear, and errors reduced to type, message, stack and codes, so a failed
 * query does not print the run state it was writing.
 */
export function createLogger(settings: LoggerSettings, options: LoggerOptions): Logger {
  const redactor = new LogRedactor([
    ...Object.values(settings.secrets),
    ...settings.SLUICE_API_KEYS,
    ...[settings.DATABASE_URL, settings.BROKER_URL, settings.AMQP_URL].map(urlPassword).filter((value): value is string => value !== undefined),
  ]);
  const clean = (value: unknown): unknown => redactor.fields(value);
  const root = pino(
    {
      level: settings.LOG_LEVEL,
      base: { service: options.service, ...options.base },
      hooks: {
        // Every call's fields object and message, before pino serialises them.
        logMethod(args, method) {
          const cleaned = args.map((arg, index) => clean(index === 0 && arg instanceof Error ? { err: arg } : arg)) as Parameters<typeof method>;
          method.apply(this, cleaned);
        },
      },
      formatters: {
        bindings: (bindings) => clean(bindings) as Record<string, unknown>,
      },
      serializers: {
        err: (error: unknown) => (error instanceof Error ? redactor.error(error) : clean(error)),
      },
      // Also pino's own redaction for the usual places, should a caller bypass the hooks.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers["set-cookie"]'],
        censor: REDACTED,
      },
    },
    options.destination,
  );
  return new RedactingLogger(root, redactor);
}

/** pino applies its bindings formatter to the root only, so child bindings are cleaned here. */
class RedactingLogger implements Logger {
  constructor(
    private readonly pino: PinoLogger,
    private readonly redactor: LogRedactor,
  ) {}

  child(bindings: Record<string, unknown>): Logger {
    return new RedactingLogger(this.pino.child(this.redactor.fields(bindings) as Record<string, unknown>), this.redactor);
  }
  debug(fields: Record<string, unknown>, message: string): void {
    this.pino.debug(fields, message);
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.pino.info(fields, message);
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.pino.warn(fields, message);
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.pino.error(fields, message);
  }
}
