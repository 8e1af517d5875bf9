/**
 * Shadow replays in SQL (docs/replay.md, docs/schema.md): the reads of the
 * recorded runs a replay goes through, newest first, and the replay's own
 * tables, the only ones it writes.
 */
import type { ReplayEdgeStats, ReplayEventSummary, ReplayNodeStats, ReplaySelection, ReplayStatus, ReplaySummary } from '@sluice/contracts';
import type {
  NewReplay, ReplayCandidate, ReplayEventRecord, ReplayInput, ReplayProgressWrite, ReplayRecord, ReplayRunQuery, ReplayStore, StoredReplayedSide,
} from '@sluice/runtime';
import type { DataSource } from 'typeorm';
import { batchHistoryEvents, type BatchEvent } from './history-batch';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { autocommit, iso, isUuid, json } from './sql';

interface ReplayRow {
  id: string;
  flow_id: string;
  status: ReplayStatus;
  request: ReplaySelection;
  subject_version: number | null;
  progress_done: number;
  progress_total: number;
  summary: ReplaySummary;
  nodes: ReplayNodeStats[];
  edges: ReplayEdgeStats[];
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const REPLAY_COLUMNS = `id, flow_id, status, request, subject_version, progress_done, progress_total, summary, nodes, edges, error,
  created_at, updated_at, finished_at`;

/**
 * Most history or payload text one read of a replay brings into memory, in
 * bytes (16 MiB): a run's history holds its payload and every step output, so
 * a chunk of many runs ends early instead (never with none).
 */
const MAX_READ_BYTES = 16 * 1024 * 1024;

function toReplay(row: ReplayRow): ReplayRecord {
  return {
    id: row.id, flowId: row.flow_id, status: row.status, selection: row.request, subjectVersion: row.subject_version,
    done: row.progress_done, total: row.progress_total, summary: row.summary, nodes: row.nodes, edges: row.edges, error: row.error,
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at), finishedAt: iso(row.finished_at) ?? null,
  };
}

/** `WHERE` terms of a replay's runs (`runs` as `r`): the flow, and the start times in range. */
function runFilter(query: ReplayRunQuery, params: unknown[]): string[] {
  params.push(query.flowId);
  const where = [`r.flow_id = $${params.length}::uuid`];
  if (query.from !== undefined) {
    params.push(query.from);
    where.push(`r.started_at >= $${params.length}::timestamptz`);
  }
  if (query.to !== undefined) {
    params.push(query.to);
    where.push(`r.started_at <= $${params.length}::timestamptz`);
  }
  return where;
}

/** The first entries whose sizes add up to at most MAX_READ_BYTES; never fewer than one. */
function withinReadBudget<T extends { bytes: number }>(entries: readonly T[]): T[] {
  const taken: T[] = [];
  let total = 0;
  for (const entry of entries) {
    total += Number(entry.bytes);
    if (taken.length > 0 && total > MAX_READ_BYTES) break;
    taken.push(entry);
  }
  return taken;
}

export class ReplayRepository implements ReplayStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One statement: the insert gives way to a running replay of the flow
   * (`ON CONFLICT` on the partial unique index), and the older replays are
   * deleted only when it inserted. The delete reads the table as it was
   * before the insert, so it keeps the newest `keep - 1` others.
   */
  async createReplay(replay: NewReplay, keep: number): Promise<{ created: ReplayRecord } | { runningId: string | undefined }> {
    const [row] = await autocommit<ReplayRow>(
      this.dataSource,
      `WITH inserted AS (
         INSERT INTO replays (flow_id, status, request, subject_version, progress_total, summary)
         VALUES ($1::uuid, 'running', $2::jsonb, $3::int, $4::int, $5::jsonb)
         ON CONFLICT (flow_id) WHERE status = 'running' DO NOTHING
         RETURNING *),
       pruned AS (
         DELETE FROM replays
         WHERE flow_id = $1::uuid AND EXISTS (SELECT 1 FROM inserted)
           AND id NOT IN (SELECT id FROM replays WHERE flow_id = $1::uuid ORDER BY created_at DESC, id DESC LIMIT $6::int))
       SELECT ${REPLAY_COLUMNS} FROM inserted`,
      [replay.flowId, json(replay.selection), replay.subjectVersion, replay.total, json(replay.summary), Math.max(0, keep - 1)],
    );
    if (row !== undefined) return { created: toReplay(row) };
    const [running] = await autocommit<{ id: string }>(
      this.dataSource,
      `SELECT id FROM replays WHERE flow_id = $1::uuid AND status = 'running'`,
      [replay.flowId],
    );
    return { runningId: running?.id };
  }

  async countReplayRuns(query: ReplayRunQuery, limit: number): Promise<number> {
    if (!isUuid(query.flowId)) return 0;
    const params: unknown[] = [];
    const where = runFilter(query, params);
    params.push(limit);
    const [row] = await autocommit<{ n: number }>(
      this.dataSource,
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM runs r WHERE ${where.join(' AND ')} LIMIT $${params.length}) AS found`,
      params,
    );
    return row?.n ?? 0;
  }

  async listReplayRuns(query: ReplayRunQuery, limit: number): Promise<string[]> {
    if (!isUuid(query.flowId)) return [];
    const params: unknown[] = [];
    const where = runFilter(query, params);
    params.push(limit);
    const found = await autocommit<{ id: string }>(
      this.dataSource,
      `SELECT r.id FROM runs r WHERE ${where.join(' AND ')} ORDER BY r.started_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    return found.map((row) => row.id);
  }

  /** Sizes first, then the payloads of the runs that fit MAX_READ_BYTES, like run search's scan. */
  async scanReplayRuns(query: ReplayRunQuery, cursor: string | undefined, limit: number): Promise<{ runs: ReplayCandidate[]; more: boolean }> {
    if (!isUuid(query.flowId)) return { runs: [], more: false };
    const params: unknown[] = [];
    const where = runFilter(query, params);
    if (cursor !== undefined) {
      const after = decodeKeysetCursor(cursor);
      params.push(after.at, after.id);
      where.push(`(r.started_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const take = Math.max(1, Math.trunc(limit));
    params.push(take + 1);
    const candidates = await autocommit<{ id: string; started_key: string; bytes: number }>(
      this.dataSource,
      `SELECT r.id, r.started_at::text AS started_key, octet_length((r.state->'payload')::text) AS bytes
       FROM runs r WHERE ${where.join(' AND ')}
       ORDER BY r.started_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    const taken = withinReadBudget(candidates.slice(0, take));
    const payloads = taken.length === 0 ? [] : await autocommit<{ id: string; payload: unknown }>(
      this.dataSource,
      `SELECT id, state->'payload' AS payload FROM runs WHERE id = ANY($1::uuid[])`,
      [taken.map((candidate) => candidate.id)],
    );
    const byId = new Map(payloads.map((row) => [row.id, row.payload]));
    return {
      runs: taken.map((candidate) => ({
        id: candidate.id, payload: byId.get(candidate.id) ?? null, cursor: encodeKeysetCursor({ at: candidate.started_key, id: candidate.id }),
      })),
      more: candidates.length > taken.length,
    };
  }

  async readReplayInputs(runIds: readonly string[]): Promise<{ inputs: ReplayInput[]; consumed: number }> {
    const wanted = runIds.filter(isUuid);
    if (wanted.length === 0) return { inputs: [], consumed: runIds.length };
    const sizes = await autocommit<{ run_id: string; bytes: number }>(
      this.dataSource,
      `SELECT run_id, sum(octet_length(events::text))::bigint AS bytes FROM history WHERE run_id = ANY($1::uuid[]) GROUP BY run_id`,
      [wanted],
    );
    const sizeOf = new Map(sizes.map((row) => [row.run_id, Number(row.bytes)]));
    const taken = withinReadBudget(runIds.map((id) => ({ id, bytes: sizeOf.get(id) ?? 0 })));
    const readable = taken.filter((entry) => sizeOf.has(entry.id)).map((entry) => entry.id);
    const rows = readable.length === 0 ? [] : await autocommit<{ run_id: string; events: BatchEvent[] }>(
      this.dataSource,
      'SELECT run_id, events FROM history WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, first_seq',
      [readable],
    );
    const histories = new Map<string, ReplayInput['history']>();
    for (const row of rows) {
      const events = batchHistoryEvents(row.run_id, row.events, 0);
      const history = histories.get(row.run_id);
      if (history) history.push(...events);
      else histories.set(row.run_id, events);
    }
    return {
      inputs: readable.flatMap((runId) => {
        const history = histories.get(runId);
        return history === undefined ? [] : [{ runId, history }];
      }),
      consumed: taken.length,
    };
  }

  /** The update goes first and the events are inserted only for the row it found running. */
  async writeReplayProgress(id: string, progress: ReplayProgressWrite): Promise<boolean> {
    if (!isUuid(id)) return false;
    const events = progress.events.map((event) => ({
      ordinal: event.ordinal, runId: event.summary.runId, changed: event.summary.changed, originalSeq: event.originalSeq,
      diff: event.summary, replayed: event.replayed,
    }));
    const [row] = await autocommit<{ running: boolean }>(
      this.dataSource,
      `WITH updated AS (
         UPDATE replays SET progress_done = $2::int, progress_total = $3::int, summary = $4::jsonb, nodes = $5::jsonb, edges = $6::jsonb,
                updated_at = clock_timestamp()
         WHERE id = $1::uuid AND status = 'running'
         RETURNING id),
       written AS (
         INSERT INTO replay_events (replay_id, ordinal, run_id, changed, original_seq, diff, replayed)
         SELECT u.id, (e->>'ordinal')::int, (e->>'runId')::uuid, (e->>'changed')::boolean, (e->>'originalSeq')::int, e->'diff', e->'replayed'
         FROM updated u CROSS JOIN jsonb_array_elements($7::jsonb) AS e)
       SELECT EXISTS (SELECT 1 FROM updated) AS running`,
      [id, progress.done, progress.total, json(progress.summary), json(progress.nodes), json(progress.edges), json(events)],
    );
    return row?.running === true;
  }

  async finishReplay(id: string, outcome: { status: 'succeeded' } | { status: 'failed'; error: string }): Promise<void> {
    if (!isUuid(id)) return;
    await autocommit(
      this.dataSource,
      `UPDATE replays SET status = $2, error = $3, finished_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE id = $1::uuid AND status = 'running'`,
      [id, outcome.status, outcome.status === 'failed' ? outcome.error : null],
    );
  }

  async touchReplays(ids: readonly string[]): Promise<void> {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return;
    await autocommit(
      this.dataSource,
      `UPDATE replays SET updated_at = clock_timestamp() WHERE id = ANY($1::uuid[]) AND status = 'running'`,
      [wanted],
    );
  }

  async interruptStaleReplays(staleMs: number, error: string): Promise<string[]> {
    const found = await autocommit<{ id: string }>(
      this.dataSource,
      `UPDATE replays SET status = 'failed', error = $2, finished_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE status = 'running' AND updated_at < clock_timestamp() - $1::int * interval '1 millisecond'
       RETURNING id`,
      [Math.max(0, Math.trunc(staleMs)), error],
    );
    return found.map((row) => row.id);
  }

  async getReplay(id: string): Promise<ReplayRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await autocommit<ReplayRow>(this.dataSource, `SELECT ${REPLAY_COLUMNS} FROM replays WHERE id = $1::uuid`, [id]);
    return row === undefined ? undefined : toReplay(row);
  }

  async listReplays(flowId: string, limit: number): Promise<ReplayRecord[]> {
    if (!isUuid(flowId)) return [];
    const found = await autocommit<ReplayRow>(
      this.dataSource,
      `SELECT ${REPLAY_COLUMNS} FROM replays WHERE flow_id = $1::uuid ORDER BY created_at DESC, id DESC LIMIT $2`,
      [flowId, limit],
    );
    return found.map(toReplay);
  }

  async listReplayEvents(id: string): Promise<ReplayEventSummary[]> {
    if (!isUuid(id)) return [];
    const found = await autocommit<{ diff: ReplayEventSummary }>(
      this.dataSource,
      'SELECT diff FROM replay_events WHERE replay_id = $1::uuid ORDER BY changed DESC, ordinal',
      [id],
    );
    return found.map((row) => row.diff);
  }

  async getReplayEvent(id: string, runId: string): Promise<ReplayEventRecord | undefined> {
    if (!isUuid(id) || !isUuid(runId)) return undefined;
    const [row] = await autocommit<{ ordinal: number; diff: ReplayEventSummary; replayed: StoredReplayedSide; original_seq: number }>(
      this.dataSource,
      'SELECT ordinal, diff, replayed, original_seq FROM replay_events WHERE replay_id = $1::uuid AND run_id = $2::uuid',
      [id, runId],
    );
    return row === undefined ? undefined : { ordinal: row.ordinal, summary: row.diff, replayed: row.replayed, originalSeq: row.original_seq };
  }
}
