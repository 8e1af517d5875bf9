/**
 * Turns a batch of RunWrites into one multi-row statement: a chain of
 * data-modifying CTEs over `unnest` arrays, one round trip however many runs
 * the batch holds.
 */
import type { HistoryEvent, RunState } from '@sluice/contracts';
import { InvalidRunWriteError } from '../store.errors';
import type { DeadLetterRecord, OutboxEntry, RunWrite, TimerEntry } from '../store.port';
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
}

/** Validates and folds a batch; several writes for one run are chained in order. */
function mergeRuns(writes: readonly RunWrite[]): Map<string, MergedRun> {
  const runs = new Map<string, MergedRun>();
  for (const { state, events } of writes) {
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
      runs.set(runId, { state, prevSeq, events: [...events] });
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

export function buildRunWriteStatement(writes: readonly RunWrite[]): RunWriteStatement {
  const runs = [...mergeRuns(writes).values()];
  const events = runs.flatMap((run) => run.events);
  const outbox: OutboxEntry[] = writes.flatMap((write) => write.outbox ?? []);
  const timerOps = netTimerOps(writes);
  const upserts = timerOps.flatMap((op) => (op.kind === 'upsert' ? [op.timer] : []));
  const deletes = timerOps.flatMap((op) => (op.kind === 'delete' ? [op] : []));
  const resolved = new Set(writes.flatMap((write) => write.resolveDeadLetters ?? []));
  const deadLetters: DeadLetterRecord[] = writes.flatMap((write) => write.deadLetters ?? []);
  const resolveExisting = [...resolved].filter((id) => !deadLetters.some((letter) => letter.id === id));

  const p = new Params();
  const ctes: string[] = [];

  ctes.push(`upd AS (
    UPDATE runs r SET state = u.state, status = u.status, last_seq = u.last_seq, updated_at = u.updated_at, finished_at = u.finished_at
    FROM unnest(${p.add(runs.map((r) => r.state.id), 'uuid[]')}, ${p.add(runs.map((r) => json(r.state)), 'jsonb[]')},
                ${p.add(runs.map((r) => r.prevSeq), 'int[]')}, ${p.add(runs.map((r) => r.state.lastSeq), 'int[]')},
                ${p.add(runs.map((r) => r.state.status), 'text[]')}, ${p.add(runs.map((r) => r.state.updatedAt), 'timestamptz[]')},
                ${p.add(runs.map((r) => r.state.finishedAt ?? null), 'timestamptz[]')})
         AS u(id, state, prev_seq, last_seq, status, updated_at, finished_at)
    WHERE r.id = u.id AND r.last_seq = u.prev_seq
    RETURNING r.id)`);

  if (events.length > 0) {
    ctes.push(`hist AS (
      INSERT INTO history (run_id, seq, type, node_id, at, data)
      SELECT * FROM unnest(${p.add(events.map((e) => e.runId), 'uuid[]')}, ${p.add(events.map((e) => e.seq), 'int[]')},
                           ${p.add(events.map((e) => e.type), 'text[]')}, ${p.add(events.map((e) => e.nodeId ?? null), 'text[]')},
                           ${p.add(events.map((e) => e.at), 'timestamptz[]')}, ${p.add(events.map((e) => json(e.data)), 'jsonb[]')}))`);
  }
  if (outbox.length > 0) {
    ctes.push(`ob AS (
      INSERT INTO outbox (id, message, fanned_out)
      SELECT * FROM unnest(${p.add(outbox.map((o) => o.id), 'uuid[]')}, ${p.add(outbox.map((o) => json(o.message)), 'jsonb[]')},
                           ${p.add(outbox.map((o) => o.fannedOut ?? false), 'boolean[]')}))`);
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
      SELECT * FROM unnest(${p.add(upserts.map((t) => t.runId), 'uuid[]')}, ${p.add(upserts.map((t) => t.nodeId), 'text[]')},
                           ${p.add(upserts.map((t) => t.attempt), 'int[]')}, ${p.add(upserts.map((t) => t.dueAt), 'timestamptz[]')},
                           ${p.add(upserts.map((t) => t.reason), 'text[]')})
      ON CONFLICT (run_id, node_id) DO UPDATE SET attempt = EXCLUDED.attempt, due_at = EXCLUDED.due_at, reason = EXCLUDED.reason)`);
  }
  if (deadLetters.length > 0) {
    ctes.push(`dl AS (
      INSERT INTO dead_letters (id, run_id, flow_id, node_id, attempts, error, created_at, status, resolved_at)
      SELECT u.id, u.run_id, u.flow_id, u.node_id, u.attempts, u.error, u.created_at, CASE WHEN u.redriven THEN 'redriven' ELSE 'open' END, CASE WHEN u.redriven THEN now() END
      FROM unnest(${p.add(deadLetters.map((d) => d.id), 'uuid[]')}, ${p.add(deadLetters.map((d) => d.runId), 'uuid[]')},
                  ${p.add(deadLetters.map((d) => d.flowId), 'uuid[]')}, ${p.add(deadLetters.map((d) => d.nodeId), 'text[]')},
                  ${p.add(deadLetters.map((d) => d.attempts), 'int[]')}, ${p.add(deadLetters.map((d) => json(d.error)), 'jsonb[]')},
                  ${p.add(deadLetters.map((d) => d.createdAt), 'timestamptz[]')}, ${p.add(deadLetters.map((d) => resolved.has(d.id)), 'boolean[]')})
           AS u(id, run_id, flow_id, node_id, attempts, error, created_at, redriven))`);
  }
  if (resolveExisting.length > 0) {
    ctes.push(`dlr AS (
      UPDATE dead_letters SET status = 'redriven', resolved_at = now()
      WHERE id = ANY(${p.add(resolveExisting, 'uuid[]')}) AND status = 'open')`);
  }

  return {
    text: `WITH ${ctes.join(',\n')}\nSELECT coalesce(array_agg(id::text), '{}') AS updated FROM upd`,
    params: p.values,
    runIds: runs.map((run) => run.state.id),
  };
}
