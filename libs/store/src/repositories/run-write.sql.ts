/**
 * Turns a batch of RunWrites (new runs and changes to existing ones) into one multi-row statement: a chain of
 * data-modifying CTEs over `unnest` arrays, one round trip however many runs
 * the batch holds.
 */
import type { HistoryEvent, RunState } from '@sluice/contracts';
import { InvalidRunWriteError } from '../store.errors';
import type { DeadLetterRecord, OutboxEntry, RunBatch, RunWrite, TimerEntry } from '@sluice/runtime';
import { batchEventsJson } from './history-batch';
import { json } from './sql';

export interface RunWriteStatement {
  text: string;
  params: unknown[];
  /** Runs whose projection the statement must update (the `last_seq` check). */
  runIds: string[];
}

interface MergedRun {
  state: RunState;
  /** `last_seq` the database must hold for these events to follow on. */
  prevSeq: number;
  events: HistoryEvent[];
  /** A new run inserted only with this other new run (RunWrite.insertedWith). */
  insertedWith?: string;
}

/** Validates and folds a batch; several writes for one run are chained in order. */
function mergeRuns(writes: readonly RunWrite[]): Map<string, MergedRun> {
  const runs = new Map<string, MergedRun>();
  for (const { state, events, insertedWith } of writes) {
    const runId = state.id;
    let expected = state.lastSeq - events.length + 1;
    for (const event of events) {
      if (event.runId !== runId) throw new InvalidRunWriteError(`event seq ${event.seq} belongs to run ${event.runId}`, runId);
      if (event.seq !== expected) {
        throw new InvalidRunWriteError(`events must have consecutive seq ending at state.lastSeq ${state.lastSeq}; got ${event.seq}, expected ${expected}`, runId);
      }
      expected += 1;
    }
    const prevSeq = state.lastSeq - events.length;
    if (prevSeq < 0) throw new InvalidRunWriteError(`state.lastSeq ${state.lastSeq} is below the ${events.length} events written`, runId);
    const earlier = runs.get(runId);
    if (earlier === undefined) {
      runs.set(runId, { state, prevSeq, events: [...events], ...(insertedWith === undefined ? {} : { insertedWith }) });
    } else {
      if (earlier.state.lastSeq !== prevSeq) {
        throw new InvalidRunWriteError(`second write of the run starts after seq ${prevSeq}, the first ended at ${earlier.state.lastSeq}`, runId);
      }
      earlier.state = state;
      earlier.events.push(...events);
    }
  }
  return runs;
}

type TimerOp = { kind: 'upsert'; timer: TimerEntry } | { kind: 'delete'; runId: string; nodeId: string };

/** One net operation per (run, node): the last one asked for wins, cancels before sets within a write. */
function netTimerOps(writes: readonly RunWrite[]): TimerOp[] {
  const ops = new Map<string, TimerOp>();
  const key = (runId: string, nodeId: string): string => `${runId}\u0000${nodeId}`;
  for (const write of writes) {
    for (const nodeId of write.cancelTimers ?? []) ops.set(key(write.state.id, nodeId), { kind: 'delete', runId: write.state.id, nodeId });
    for (const timer of write.timers ?? []) ops.set(key(timer.runId, timer.nodeId), { kind: 'upsert', timer });
  }
  return [...ops.values()];
}

/** Builds `$n` placeholders while collecting parameters. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/**
 * One statement for a whole commit. New runs are inserted first (`ins`,
 * skipping an existing (flow_id, event_id)); every row that belongs to a new
 * run is kept only when `ins` returned that run, so a skipped run leaves
 * nothing behind. A new run with `insertedWith` (started by another new run's
 * publish step) is inserted by `insdep` only when `ins` returned that other
 * run, and its rows are kept the same way. Sibling CTEs do not see each
 * other's rows, so a run is either new or updated in one batch, never both.
 * A new run's search key values (`keys`) are kept the same way, so a run
 * and its index rows commit together; a batch without them writes none.
 */
export function buildRunBatchStatement(batch: RunBatch): RunWriteStatement {
  const runs = [...mergeRuns(batch.updates).values()];
  const fresh = [...mergeRuns(batch.inserts).values()];
  for (const run of fresh) {
    if (run.prevSeq !== 0) throw new InvalidRunWriteError(`a new run's events must start at seq 1, not ${run.prevSeq + 1}`, run.state.id);
    if (runs.some((existing) => existing.state.id === run.state.id)) throw new InvalidRunWriteError('a run is both new and updated in one batch', run.state.id);
  }
  const freshById = new Map(fresh.map((run) => [run.state.id, run]));
  const freshIds = new Set(freshById.keys());
  for (const run of fresh) {
    const parent = run.insertedWith === undefined ? undefined : freshById.get(run.insertedWith);
    if (run.insertedWith !== undefined && (parent === undefined || parent.insertedWith !== undefined)) {
      throw new InvalidRunWriteError(`insertedWith ${run.insertedWith} names no new run of the batch that is inserted on its own`, run.state.id);
    }
  }
  const isFresh = (runId: string | null): boolean => runId !== null && freshIds.has(runId);
  const writes = [...batch.inserts, ...batch.updates];
  // One history row per run: the events this commit appends to it (docs/history.md, storage).
  const batches = [...fresh, ...runs].filter((run) => run.events.length > 0);
  const outbox: { entry: OutboxEntry; runId: string | null }[] = [
    ...writes.flatMap((write) => (write.outbox ?? []).map((entry) => ({ entry, runId: write.state.id }))),
    ...(batch.outbox ?? []).map((entry) => ({ entry, runId: null })),
  ];
  const timerOps = netTimerOps(writes);
  const upserts = timerOps.flatMap((op) => (op.kind === 'upsert' ? [op.timer] : []));
  const deletes = timerOps.flatMap((op) => (op.kind === 'delete' ? [op] : []));
  const resolved = new Set(batch.updates.flatMap((write) => write.resolveDeadLetters ?? []));
  const deadLetters: DeadLetterRecord[] = writes.flatMap((write) => write.deadLetters ?? []);
  const resolveExisting = [...resolved].filter((id) => !deadLetters.some((letter) => letter.id === id));
  const deleteOutbox = [...new Set(batch.deleteOutbox ?? [])];
  const searchKeys = batch.inserts.flatMap((write) => (write.searchKeys ?? []).map((key) => ({ ...key, state: write.state })));

  const p = new Params();
  const ctes: string[] = [];
  // New runs whose insert depends on another new run's (RunWrite.insertedWith) go in a CTE of their own that reads `ins`.
  const dependent = fresh.filter((run) => run.insertedWith !== undefined);
  const independent = fresh.filter((run) => run.insertedWith === undefined);
  const insertedIds = dependent.length > 0 ? '(SELECT id FROM ins UNION ALL SELECT id FROM insdep)' : '(SELECT id FROM ins)';
  // Rows of a new run are kept only when the run was inserted; without new runs nothing needs the check.
  const kept = (alias: string): string => (fresh.length > 0 ? `WHERE NOT ${alias}.fresh OR ${alias}.run_id IN ${insertedIds}` : '');
  const runColumns = (states: RunState[]): string =>
    `${p.add(states.map((s) => s.id), 'uuid[]')}, ${p.add(states.map((s) => s.flowId), 'uuid[]')},
                         ${p.add(states.map((s) => s.flowVersion), 'int[]')}, ${p.add(states.map((s) => s.eventId), 'text[]')},
                         ${p.add(states.map((s) => s.status), 'text[]')}, ${p.add(states.map((s) => json(s)), 'jsonb[]')},
                         ${p.add(states.map((s) => s.lastSeq), 'int[]')}, ${p.add(states.map((s) => s.startedAt), 'timestamptz[]')},
                         ${p.add(states.map((s) => s.updatedAt), 'timestamptz[]')}, ${p.add(states.map((s) => s.finishedAt ?? null), 'timestamptz[]')}`;

  // The revision check runs once, before any new run is inserted: it raises SLRVM when the revision moved.
  const revisionCheck = batch.expectFlowRevision === undefined ? '' : `WHERE (SELECT sluice_expect_flow_revision(${p.add(batch.expectFlowRevision, 'bigint')}))`;
  if (batch.expectFlowRevision !== undefined && independent.length === 0) throw new InvalidRunWriteError('expectFlowRevision needs a new run in the batch', '');
  if (fresh.length > 0) {
    ctes.push(`ins AS (
    INSERT INTO runs (id, flow_id, flow_version, event_id, status, state, last_seq, started_at, updated_at, finished_at)
    SELECT * FROM unnest(${runColumns(independent.map((run) => run.state))}) ${revisionCheck}
    ON CONFLICT (flow_id, event_id) DO NOTHING
    RETURNING id)`);
  }
  const chainRuns = batch.chainRuns ?? [];
  if (chainRuns.length > 0) {
    if (fresh.length === 0) throw new InvalidRunWriteError('chainRuns need their new runs in the batch', '');
    // One row per origin; in origin order, so concurrent writers lock rows in one order.
    ctes.push(`chains AS (
      INSERT INTO publish_chains AS c (origin_event_id, runs)
      SELECT d.origin, sum(d.runs)::int FROM unnest(${p.add(chainRuns.map((c) => c.originEventId), 'text[]')}, ${p.add(chainRuns.map((c) => c.runs), 'int[]')},
                                                    ${p.add(chainRuns.map((c) => c.insertedWith), 'uuid[]')}) AS d(origin, runs, inserted_with)
      WHERE d.inserted_with IN (SELECT id FROM ins)
      GROUP BY d.origin ORDER BY d.origin
      ON CONFLICT (origin_event_id) DO UPDATE SET runs = c.runs + EXCLUDED.runs, updated_at = now())`);
  }
  if (dependent.length > 0) {
    ctes.push(`insdep AS (
    INSERT INTO runs (id, flow_id, flow_version, event_id, status, state, last_seq, started_at, updated_at, finished_at)
    SELECT d.id, d.flow_id, d.flow_version, d.event_id, d.status, d.state, d.last_seq, d.started_at, d.updated_at, d.finished_at
    FROM unnest(${runColumns(dependent.map((run) => run.state))}, ${p.add(dependent.map((run) => run.insertedWith), 'uuid[]')})
         AS d(id, flow_id, flow_version, event_id, status, state, last_seq, started_at, updated_at, finished_at, inserted_with)
    WHERE d.inserted_with IN (SELECT id FROM ins)
    ON CONFLICT (flow_id, event_id) DO NOTHING
    RETURNING id)`);
  }
  if (runs.length > 0) {
    ctes.push(`upd AS (
    UPDATE runs r SET state = u.state, status = u.status, last_seq = u.last_seq, updated_at = u.updated_at, finished_at = u.finished_at
    FROM unnest(${p.add(runs.map((r) => r.state.id), 'uuid[]')}, ${p.add(runs.map((r) => json(r.state)), 'jsonb[]')},
                ${p.add(runs.map((r) => r.prevSeq), 'int[]')}, ${p.add(runs.map((r) => r.state.lastSeq), 'int[]')},
                ${p.add(runs.map((r) => r.state.status), 'text[]')}, ${p.add(runs.map((r) => r.state.updatedAt), 'timestamptz[]')},
                ${p.add(runs.map((r) => r.state.finishedAt ?? null), 'timestamptz[]')})
         AS u(id, state, prev_seq, last_seq, status, updated_at, finished_at)
    WHERE r.id = u.id AND r.last_seq = u.prev_seq
    RETURNING r.id)`);
  }
  if (batches.length > 0) {
    ctes.push(`hist AS (
      INSERT INTO history (run_id, first_seq, last_seq, events)
      SELECT h.run_id, h.first_seq, h.last_seq, h.events
      FROM unnest(${p.add(batches.map((r) => r.state.id), 'uuid[]')}, ${p.add(batches.map((r) => r.prevSeq + 1), 'int[]')},
                  ${p.add(batches.map((r) => r.state.lastSeq), 'int[]')}, ${p.add(batches.map((r) => batchEventsJson(r.events)), 'jsonb[]')},
                  ${p.add(batches.map((r) => isFresh(r.state.id)), 'boolean[]')})
           AS h(run_id, first_seq, last_seq, events, fresh)
      ${kept('h')})`);
  }
  if (searchKeys.length > 0) {
    ctes.push(`keys AS (
      INSERT INTO run_search_keys (flow_id, name, value, started_at, run_id)
      SELECT k.flow_id, k.name, k.value, k.started_at, k.run_id
      FROM unnest(${p.add(searchKeys.map((k) => k.state.flowId), 'uuid[]')}, ${p.add(searchKeys.map((k) => k.name), 'text[]')},
                  ${p.add(searchKeys.map((k) => k.value), 'text[]')}, ${p.add(searchKeys.map((k) => k.state.startedAt), 'timestamptz[]')},
                  ${p.add(searchKeys.map((k) => k.state.id), 'uuid[]')})
           AS k(flow_id, name, value, started_at, run_id)
      WHERE k.run_id IN ${insertedIds})`);
  }
  if (outbox.length > 0) {
    ctes.push(`ob AS (
      INSERT INTO outbox (id, message, fanned_out)
      SELECT o.id, o.message, o.fanned_out
      FROM unnest(${p.add(outbox.map((o) => o.entry.id), 'uuid[]')}, ${p.add(outbox.map((o) => json(o.entry.message)), 'jsonb[]')},
                  ${p.add(outbox.map((o) => o.entry.fannedOut ?? false), 'boolean[]')}, ${p.add(outbox.map((o) => o.runId), 'uuid[]')},
                  ${p.add(outbox.map((o) => isFresh(o.runId)), 'boolean[]')})
           AS o(id, message, fanned_out, run_id, fresh)
      ${kept('o')})`);
  }
  if (deleteOutbox.length > 0) {
    ctes.push(`obdel AS (DELETE FROM outbox WHERE id = ANY(${p.add(deleteOutbox, 'uuid[]')}))`);
  }
  if (deletes.length > 0) {
    ctes.push(`tdel AS (
      DELETE FROM timers t
      USING unnest(${p.add(deletes.map((d) => d.runId), 'uuid[]')}, ${p.add(deletes.map((d) => d.nodeId), 'text[]')}) AS d(run_id, node_id)
      WHERE t.run_id = d.run_id AND t.node_id = d.node_id)`);
  }
  if (upserts.length > 0) {
    ctes.push(`tup AS (
      INSERT INTO timers (run_id, node_id, attempt, due_at, reason)
      SELECT t.run_id, t.node_id, t.attempt, t.due_at, t.reason
      FROM unnest(${p.add(upserts.map((t) => t.runId), 'uuid[]')}, ${p.add(upserts.map((t) => t.nodeId), 'text[]')},
                  ${p.add(upserts.map((t) => t.attempt), 'int[]')}, ${p.add(upserts.map((t) => t.dueAt), 'timestamptz[]')},
                  ${p.add(upserts.map((t) => t.reason), 'text[]')}, ${p.add(upserts.map((t) => isFresh(t.runId)), 'boolean[]')})
           AS t(run_id, node_id, attempt, due_at, reason, fresh)
      ${kept('t')}
      ON CONFLICT (run_id, node_id) DO UPDATE SET attempt = EXCLUDED.attempt, due_at = EXCLUDED.due_at, reason = EXCLUDED.reason)`);
  }
  if (deadLetters.length > 0) {
    ctes.push(`dl AS (
      INSERT INTO dead_letters (id, run_id, flow_id, node_id, attempts, error, created_at, status, resolved_at)
      SELECT u.id, u.run_id, u.flow_id, u.node_id, u.attempts, u.error, u.created_at, CASE WHEN u.redriven THEN 'redriven' ELSE 'open' END, CASE WHEN u.redriven THEN now() END
      FROM unnest(${p.add(deadLetters.map((d) => d.id), 'uuid[]')}, ${p.add(deadLetters.map((d) => d.runId), 'uuid[]')},
                  ${p.add(deadLetters.map((d) => d.flowId), 'uuid[]')}, ${p.add(deadLetters.map((d) => d.nodeId), 'text[]')},
                  ${p.add(deadLetters.map((d) => d.attempts), 'int[]')}, ${p.add(deadLetters.map((d) => json(d.error)), 'jsonb[]')},
                  ${p.add(deadLetters.map((d) => d.createdAt), 'timestamptz[]')}, ${p.add(deadLetters.map((d) => resolved.has(d.id)), 'boolean[]')},
                  ${p.add(deadLetters.map((d) => isFresh(d.runId)), 'boolean[]')})
           AS u(id, run_id, flow_id, node_id, attempts, error, created_at, redriven, fresh)
      ${kept('u')})`);
  }
  if (resolveExisting.length > 0) {
    ctes.push(`dlr AS (
      UPDATE dead_letters SET status = 'redriven', resolved_at = now()
      WHERE id = ANY(${p.add(resolveExisting, 'uuid[]')}) AND status = 'open')`);
  }

  const updated = runs.length > 0 ? `(SELECT coalesce(array_agg(id::text), '{}') FROM upd)` : `'{}'::text[]`;
  const inserted = fresh.length > 0 ? `(SELECT coalesce(array_agg(id::text), '{}') FROM ${insertedIds} AS i(id))` : `'{}'::text[]`;
  const select = `SELECT ${updated} AS updated, ${inserted} AS inserted`;
  return {
    text: ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n${select}` : select,
    params: p.values,
    runIds: runs.map((run) => run.state.id),
  };
}
