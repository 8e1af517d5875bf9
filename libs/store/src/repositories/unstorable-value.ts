import { pgError } from './sql';

/**
 * A write holds a value PostgreSQL cannot store: text jsonb refuses (a lone
 * UTF-16 surrogate, `\u0000`), JSON nested past the server's stack, a value
 * past a size limit. Retrying the same write fails the same way; a write
 * without the member that holds the value may succeed (the runtime splits
 * the commit to find it). `code: 'unstorable'` is how the runtime, which sees
 * the store only through its port, recognises it.
 */
export class UnstorableValueError extends Error {
  readonly code = 'unstorable' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnstorableValueError';
  }
}

/**
 * SQLSTATE classes that are verdicts on the values a statement carries:
 * 22 (data exception: invalid json, an untranslatable character, a bad
 * encoding, a value out of range) and 54 (program limit exceeded: nesting
 * too deep, a value too large).
 */
const VALUE_REFUSED = /^(22|54)/;

/**
 * The `UnstorableValueError` for an error of a run write, or undefined when
 * the error says nothing about the values (an outage, a conflict, a bug).
 * `RangeError` is what serialising a value too deep or too long for
 * `JSON.stringify` throws, before anything reaches the server.
 */
export function asUnstorable(error: unknown): UnstorableValueError | undefined {
  if (error instanceof RangeError) return new UnstorableValueError(`a value cannot be written as JSON: ${error.message}`, { cause: error });
  const pg = pgError(error);
  if (pg?.code === undefined || !VALUE_REFUSED.test(pg.code)) return undefined;
  const detail = pg.detail ? `: ${pg.detail}` : '';
  return new UnstorableValueError(`the store refused a value (${pg.code}): ${pg.message}${detail}`, { cause: error });
}
