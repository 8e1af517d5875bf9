import { QueryFailedError, type DataSource, type QueryResult, type QueryRunner } from 'typeorm';

/** Runs one statement and returns its rows (for UPDATE/DELETE too, unlike `QueryRunner.query`'s default). */
export async function rows<R>(runner: QueryRunner, text: string, params: readonly unknown[] = []): Promise<R[]> {
  const result = (await runner.query(text, [...params], true)) as QueryResult<R>;
  return result.records;
}

/** Runs one statement on a pooled connection outside any explicit transaction. */
export async function autocommit<R>(dataSource: DataSource, text: string, params: readonly unknown[] = []): Promise<R[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return await rows<R>(runner, text, params);
  } finally {
    await runner.release();
  }
}

/** Postgres error fields of a failed query, when there are any. */
export function pgError(error: unknown): { code?: string; constraint?: string; message: string; detail?: string } | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError: unknown = error.driverError;
  if (typeof driverError !== 'object' || driverError === null) return undefined;
  const fields = driverError as { code?: unknown; constraint?: unknown; message?: unknown; detail?: unknown };
  return {
    code: typeof fields.code === 'string' ? fields.code : undefined,
    constraint: typeof fields.constraint === 'string' ? fields.constraint : undefined,
    message: typeof fields.message === 'string' ? fields.message : error.message,
    detail: typeof fields.detail === 'string' ? fields.detail : undefined,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that cannot be uuids cannot exist; filtering them spares a cast error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** jsonb parameters are sent as JSON text: `pg` would turn a JS array into a Postgres array. */
export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function iso(value: Date): string;
export function iso(value: Date | null): string | undefined;
export function iso(value: Date | null): string | undefined {
  return value === null ? undefined : value.toISOString();
}
