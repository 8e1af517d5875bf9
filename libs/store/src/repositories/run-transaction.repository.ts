import type { RunState } from '@sluice/contracts';
import type { QueryRunner } from 'typeorm';
import { StoreConflictError } from '../store.errors';
import type { IdempotencyClaim, OutboxEntry, RunTransaction, RunWrite } from '../store.port';
import { buildRunWriteStatement } from './run-write.sql';
import { isUuid, json, pgError, rows } from './sql';

/** How long an idempotency key holds its run, as a Postgres interval. */
const IDEMPOTENCY_WINDOW = '24 hours';

/**
 * The RunTransaction over one QueryRunner that is inside `BEGIN`. Lives only
 * as long as the `transaction(work)` call that made it.
 */
export class TypeOrmRunTransaction implements RunTransaction {
  private open = true;

  constructor(private readonly runner: QueryRunner) {}

  /** Called by the store when the transaction ends; later calls are bugs. */
  close(): void {
    this.open = false;
  }

  async lockRuns(runIds: readonly string[]): Promise<Map<string, RunState>> {
    this.assertOpen();
    const ids = [...new Set(runIds)].filter(isUuid);
    const locked = new Map<string, RunState>();
    if (ids.length === 0) return locked;
    const found = await rows<{ id: string; state: RunState }>(
      this.runner,
      'SELECT id, state FROM runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [ids],
    );
    for (const row of found) locked.set(row.id, row.state);
    return locked;
  }

  async claimIdempotencyKey(claim: IdempotencyClaim): Promise<{ runId: string; eventId: string } | undefined> {
    this.assertOpen();
    // Inserting waits on a concurrent claimant's uncommitted row, so exactly one wins;
    // a holder older than the window is replaced in the same statement.
    const won = await rows<{ run_id: string }>(
      this.runner,
      `INSERT INTO idempotency_keys AS k (flow_id, key, run_id, event_id) VALUES ($1::uuid, $2, $3::uuid, $4)
       ON CONFLICT (flow_id, key) DO UPDATE
         SET run_id = EXCLUDED.run_id, event_id = EXCLUDED.event_id, created_at = EXCLUDED.created_at
         WHERE k.created_at < now() - interval '${IDEMPOTENCY_WINDOW}'
       RETURNING run_id`,
      [claim.flowId, claim.key, claim.runId, claim.eventId],
    );
    if (won.length > 0) return undefined;
    const holder = await rows<{ run_id: string; event_id: string }>(
      this.runner,
      'SELECT run_id, event_id FROM idempotency_keys WHERE flow_id = $1::uuid AND key = $2',
      [claim.flowId, claim.key],
    );
    const row = holder[0];
    if (row === undefined) throw new Error(`idempotency key ${claim.key} neither claimed nor held`);
    return { runId: row.run_id, eventId: row.event_id };
  }

  async insertRuns(states: readonly RunState[]): Promise<Set<string>> {
    this.assertOpen();
    if (states.length === 0) return new Set();
    // last_seq starts at 0: it counts history rows actually written, and `write` appends from there.
    const inserted = await rows<{ id: string }>(
      this.runner,
      `INSERT INTO runs (id, flow_id, flow_version, event_id, status, state, last_seq, started_at, updated_at, finished_at)
       SELECT u.id, u.flow_id, u.flow_version, u.event_id, u.status, u.state, 0, u.started_at, u.updated_at, u.finished_at
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
         AS u(id, flow_id, flow_version, event_id, status, state, started_at, updated_at, finished_at)
       ON CONFLICT (flow_id, event_id) DO NOTHING
       RETURNING id`,
      [
        states.map((s) => s.id), states.map((s) => s.flowId), states.map((s) => s.flowVersion), states.map((s) => s.eventId),
        states.map((s) => s.status), states.map((s) => json(s)), states.map((s) => s.startedAt), states.map((s) => s.updatedAt),
        states.map((s) => s.finishedAt ?? null),
      ],
    );
    return new Set(inserted.map((row) => row.id));
  }

  async write(writes: readonly RunWrite[]): Promise<void> {
    this.assertOpen();
    if (writes.length === 0) return;
    const statement = buildRunWriteStatement(writes);
    let updated: string[];
    try {
      const result = await rows<{ updated: string[] }>(this.runner, statement.text, statement.params);
      updated = result[0]?.updated ?? [];
    } catch (error) {
      const pg = pgError(error);
      if (pg?.code === '23505' && pg.constraint === 'history_pkey') {
        throw new StoreConflictError('a history event with this (run_id, seq) already exists', statement.runIds);
      }
      throw error;
    }
    if (updated.length !== statement.runIds.length) {
      const done = new Set(updated);
      const missing = statement.runIds.filter((id) => !done.has(id));
      throw new StoreConflictError(
        `runs ${missing.join(', ')} are unknown or their history moved past the written events' predecessor`,
        missing,
      );
    }
  }

  async enqueue(entries: readonly OutboxEntry[]): Promise<void> {
    this.assertOpen();
    if (entries.length === 0) return;
    await rows(
      this.runner,
      'INSERT INTO outbox (id, message, fanned_out) SELECT * FROM unnest($1::uuid[], $2::jsonb[], $3::boolean[])',
      [entries.map((e) => e.id), entries.map((e) => json(e.message)), entries.map((e) => e.fannedOut ?? false)],
    );
  }

  private assertOpen(): void {
    if (!this.open) throw new Error('RunTransaction used after its transaction ended');
  }
}
