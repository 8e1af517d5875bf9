/**
 * The small slice of a structured logger (pino-compatible) the adapters use.
 * Optional: without one, adapters stay silent.
 */
export interface BrokerLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: BrokerLogger = {
  warn: () => undefined,
  error: () => undefined,
};

export function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { err: { name: err.name, message: err.message } } : { err: String(err) };
}
