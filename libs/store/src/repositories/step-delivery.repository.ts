import type { DataSource } from 'typeorm';
import type { StepDeliveryCount, StepDeliveryKey } from '@sluice/runtime';
import { autocommit } from './sql';

interface CountRow {
  message_id: string;
  deliveries: number;
  last_error: string | null;
}

/**
 * Rows untouched for this long are pruned by the counting statements: a
 * message that comes back after that starts a fresh count, which only allows
 * it more deliveries.
 */
const KEEP_COUNTS = '1 day';

/**
 * Counts one more delivery of each redelivered message, in one statement
 * (a transaction of its own). A message without a count yet counts 2: this
 * delivery and the unsettled one before it. Answers in input order.
 */
export async function countRedeliveries(dataSource: DataSource, keys: readonly StepDeliveryKey[]): Promise<StepDeliveryCount[]> {
  return upsert(dataSource, keys.map((key) => ({ key, error: null })), 'redelivery');
}

/**
 * Records why a delivery of each message failed, in one statement (a
 * transaction of its own), without counting a delivery: a message without a
 * count yet counts 1, the delivery that failed. Answers in input order.
 */
export async function recordDeliveryFailures(
  dataSource: DataSource,
  failures: readonly { key: StepDeliveryKey; error: string }[],
): Promise<StepDeliveryCount[]> {
  return upsert(dataSource, failures, 'failure');
}

async function upsert(
  dataSource: DataSource,
  entries: readonly { key: StepDeliveryKey; error: string | null }[],
  kind: 'redelivery' | 'failure',
): Promise<StepDeliveryCount[]> {
  if (entries.length === 0) return [];
  // One row per message: ON CONFLICT may not touch a row twice in one statement.
  const unique = [...new Map(entries.map((entry) => [entry.key.messageId, entry])).values()];
  const onConflict = kind === 'redelivery'
    ? 'deliveries = d.deliveries + 1'
    : 'last_error = excluded.last_error';
  const found = await autocommit<CountRow>(
    dataSource,
    `WITH pruned AS (
       DELETE FROM step_deliveries
       WHERE updated_at < now() - interval '${KEEP_COUNTS}' AND NOT (message_id = ANY($1::text[])))
     INSERT INTO step_deliveries AS d (message_id, run_id, node_id, attempt, deliveries, last_error)
     SELECT m, r, n, a, $6, e FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) AS u(m, r, n, a, e)
     ON CONFLICT (message_id) DO UPDATE SET ${onConflict}, updated_at = now()
     RETURNING message_id, deliveries, last_error`,
    [
      unique.map((entry) => entry.key.messageId),
      unique.map((entry) => entry.key.runId),
      unique.map((entry) => entry.key.nodeId),
      unique.map((entry) => (isInt4(entry.key.attempt) ? entry.key.attempt : 0)),
      unique.map((entry) => entry.error),
      kind === 'redelivery' ? 2 : 1,
    ],
  );
  const counts = new Map(found.map((row) => [row.message_id, { deliveries: row.deliveries, lastError: row.last_error }]));
  return entries.map((entry) => counts.get(entry.key.messageId) ?? { deliveries: 1, lastError: null });
}

function isInt4(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 2 ** 31;
}
