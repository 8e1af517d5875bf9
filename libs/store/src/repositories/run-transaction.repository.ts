import type { RunState } from '@sluice/contracts';
import type { QueryRunner } from 'typeorm';
import { FlowRevisionMovedError, StoreConflictError } from '../store.errors';
import type { ChainRunGrant, ChainRunRequest, IdempotencyClaim, RunBatch, RunTransaction } from '@sluice/runtime';
import { buildRunBatchStatement, type RunWriteStatement } from './run-write.sql';
import { asUnstorable } from './unstorable-value';
import { isUuid, pgError, rows } from './sql';

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

  async lockRuns(runIds: readonly string[], known: ReadonlyMap<string, RunState> = new Map()): Promise<Map<string, RunState>> {
    this.assertOpen();
    const ids = [...new Set(runIds)].filter(isUuid);
    const locked = new Map<string, RunState>();
    if (ids.length === 0) return locked;
    // The state (often the largest value of a run) is sent only when it moved past the caller's copy.
    const found = await rows<{ id: string; last_seq: number; state: RunState | null }>(
      this.runner,
      `SELECT r.id, r.last_seq, CASE WHEN r.last_seq IS NOT DISTINCT FROM k.last_seq THEN NULL ELSE r.state END AS state
       FROM runs r LEFT JOIN unnest($1::uuid[], $2::int[]) AS k(id, last_seq) ON k.id = r.id
       WHERE r.id = ANY($1::uuid[]) ORDER BY r.id FOR UPDATE OF r`,
      [ids, ids.map((id) => known.get(id)?.lastSeq ?? null)],
    );
    for (const row of found) {
      const state = row.state ?? known.get(row.id);
      if (state) locked.set(row.id, state);
    }
    return locked;
  }

  async writeBatch(batch: RunBatch): Promise<Set<string>> {
    this.assertOpen();
    return executeRunBatch(this.runner, batch);
  }

  async claimIdempotencyKeys(claims: readonly IdempotencyClaim[]): Promise<({ runId: string; eventId: string } | undefined)[]> {
    this.assertOpen();
    const keyOf = (claim: IdempotencyClaim): string => `${claim.flowId}\u0000${claim.key}`;
    const first = new Map<string, IdempotencyClaim>();
    for (const claim of claims) if (!first.has(keyOf(claim))) first.set(keyOf(claim), claim);
    const unique = [...first.values()];
    if (unique.length === 0) return [];
    // ORDER BY: concurrent multi-key claimants take the key locks in one order, so they queue instead of deadlocking.
    const won = await rows<{ flow_id: string; key: string }>(
      this.runner,
      `INSERT INTO idempotency_keys AS k (flow_id, key, run_id, event_id)
       SELECT c.flow_id, c.key, c.run_id, c.event_id
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) AS c(flow_id, key, run_id, event_id)
       ORDER BY c.flow_id, c.key
       ON CONFLICT (flow_id, key) DO UPDATE
         SET run_id = EXCLUDED.run_id, event_id = EXCLUDED.event_id, created_at = EXCLUDED.created_at
         WHERE k.created_at < now() - interval '${IDEMPOTENCY_WINDOW}'
       RETURNING flow_id, key`,
      [unique.map((c) => c.flowId), unique.map((c) => c.key), unique.map((c) => c.runId), unique.map((c) => c.eventId)],
    );
    const holders = new Map<string, { runId: string; eventId: string } | undefined>();
    for (const row of won) holders.set(keyOf({ flowId: row.flow_id, key: row.key, runId: '', eventId: '' }), undefined);
    const lost = unique.filter((claim) => !holders.has(keyOf(claim)));
    if (lost.length > 0) {
      const held = await rows<{ flow_id: string; key: string; run_id: string; event_id: string }>(
        this.runner,
        `SELECT k.flow_id, k.key, k.run_id, k.event_id FROM idempotency_keys k
         JOIN unnest($1::uuid[], $2::text[]) AS c(flow_id, key) ON k.flow_id = c.flow_id AND k.key = c.key`,
        [lost.map((c) => c.flowId), lost.map((c) => c.key)],
      );
      for (const row of held) holders.set(keyOf({ flowId: row.flow_id, key: row.key, runId: '', eventId: '' }), { runId: row.run_id, eventId: row.event_id });
      const missing = lost.find((claim) => !holders.get(keyOf(claim)));
      if (missing) throw new Error(`idempotency key ${missing.key} neither claimed nor held`);
    }
    return claims.map((claim) => {
      const winner = first.get(keyOf(claim))!;
      const holder = holders.get(keyOf(claim));
      if (holder) return holder;
      // A repeat of a key this call just claimed is held by the first claim.
      return winner === claim ? undefined : { runId: winner.runId, eventId: winner.eventId };
    });
  }

  async reserveChainRuns(requests: readonly ChainRunRequest[], limit: number): Promise<ChainRunGrant[]> {
    this.assertOpen();
    const demand = new Map<string, number>();
    for (const request of requests) {
      if (request.runs > 0) demand.set(request.originEventId, (demand.get(request.originEventId) ?? 0) + request.runs);
    }
    if (demand.size === 0) return requests.map(() => ({ granted: true, used: 0 }));
    // Adds the whole demand and locks the rows (in origin order, so concurrent callers queue instead of
    // deadlocking); the count before this call is the new count minus the demand.
    const origins = [...demand.keys()].sort();
    const counted = await rows<{ origin_event_id: string; runs: number }>(
      this.runner,
      `INSERT INTO publish_chains AS c (origin_event_id, runs)
       SELECT d.origin, d.runs FROM unnest($1::text[], $2::int[]) AS d(origin, runs) ORDER BY d.origin
       ON CONFLICT (origin_event_id) DO UPDATE SET runs = c.runs + EXCLUDED.runs, updated_at = now()
       RETURNING origin_event_id, runs`,
      [origins, origins.map((origin) => demand.get(origin) ?? 0)],
    );
    const used = new Map(counted.map((row) => [row.origin_event_id, row.runs - (demand.get(row.origin_event_id) ?? 0)]));
    const granted = new Map<string, number>();
    const answers = requests.map((request): ChainRunGrant => {
      const before = (used.get(request.originEventId) ?? 0) + (granted.get(request.originEventId) ?? 0);
      if (request.runs === 0) return { granted: true, used: before };
      if (before + request.runs > limit) return { granted: false, used: before };
      granted.set(request.originEventId, (granted.get(request.originEventId) ?? 0) + request.runs);
      return { granted: true, used: before };
    });
    // Refused runs were added above; take them back (only at the end of a chain, so rarely).
    const refused = origins.filter((origin) => (granted.get(origin) ?? 0) !== demand.get(origin));
    if (refused.length > 0) {
      await rows(
        this.runner,
        `UPDATE publish_chains AS c SET runs = u.runs FROM unnest($1::text[], $2::int[]) AS u(origin, runs) WHERE c.origin_event_id = u.origin`,
        [refused, refused.map((origin) => (used.get(origin) ?? 0) + (granted.get(origin) ?? 0))],
      );
    }
    return answers;
  }

  /** `sluice_flow_revision()` (migration 1767571200000) takes the shared side of the flow-change lock, then reads. */
  async flowRevision(): Promise<number> {
    this.assertOpen();
    const [row] = await rows<{ revision: string }>(this.runner, 'SELECT sluice_flow_revision()::text AS revision');
    if (row === undefined) throw new Error('sluice_flow_revision() returned no row');
    return Number(row.revision);
  }

  private assertOpen(): void {
    if (!this.open) throw new Error('RunTransaction used after its transaction ended');
  }
}

/**
 * Runs the one statement of a batch and checks it: every updated run must
 * still have been at its expected `last_seq`. A value the server refuses
 * (or that cannot be serialised) rejects with `UnstorableValueError`. Inside a transaction the thrown
 * conflict rolls everything back; a batch of new runs only (its own
 * transaction) has no check that could fail after the fact.
 */
export async function executeRunBatch(runner: QueryRunner, batch: RunBatch): Promise<Set<string>> {
  let statement: RunWriteStatement;
  try {
    statement = buildRunBatchStatement(batch);
  } catch (error) {
    throw asUnstorable(error) ?? error;
  }
  let result: { updated: string[]; inserted: string[] } | undefined;
  try {
    [result] = await rows<{ updated: string[]; inserted: string[] }>(runner, statement.text, statement.params);
  } catch (error) {
    const pg = pgError(error);
    // history_pkey is (run_id, first_seq): another commit already appended after the same predecessor.
    if (pg?.code === '23505' && pg.constraint === 'history_pkey') {
      throw new StoreConflictError('a history batch starting at this seq already exists for the run', statement.runIds);
    }
    // Raised by sluice_expect_flow_revision (NewRunBatch.expectFlowRevision), with the current revision in DETAIL.
    if (pg?.code === 'SLRVM') throw new FlowRevisionMovedError(Number(pg.detail));
    throw asUnstorable(error) ?? error;
  }
  const updated = result?.updated ?? [];
  if (updated.length !== statement.runIds.length) {
    const done = new Set(updated);
    const missing = statement.runIds.filter((id) => !done.has(id));
    throw new StoreConflictError(
      `runs ${missing.join(', ')} are unknown or their history moved past the written events' predecessor`,
      missing,
    );
  }
  return new Set(result?.inserted ?? []);
}
