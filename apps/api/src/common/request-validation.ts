import { z } from 'zod';

/** A request failed validation; the filter answers 400 `validation_failed` with the issues. */
export class RequestValidationError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; '));
    this.name = 'RequestValidationError';
  }
}

/** Parses untrusted input with a zod schema or throws RequestValidationError. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new RequestValidationError(
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name an existing resource. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Largest PostgreSQL `integer` (int4): flow versions and history seqs are stored as int4. */
export const INT4_MAX = 2_147_483_647;

/**
 * An integer query parameter from `min` to `max`: decimal digits only (no
 * sign, exponent, hex or blanks), given once. Out-of-range values are refused
 * here instead of failing a cast in SQL.
 */
export function queryInteger(min: number, max: number) {
  return z.string()
    .regex(/^\d{1,16}$/, `an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`));
}
