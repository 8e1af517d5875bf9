import type { Logger } from '@sluice/runtime';

/** The logger of a broker built without one: it stays silent. */
export const silentLogger: Logger = {
  child: () => silentLogger,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** An error as log fields (`err: { name, message }`), whatever was thrown. */
export function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { err: { name: err.name, message: err.message } } : { err: String(err) };
}
