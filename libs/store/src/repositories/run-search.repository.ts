/**
 * The reads behind run search (docs/rest-api.md#searching-runs): a search
 * key lookup over `run_search_keys`, and the stretch of a flow's runs a
 * payload search scans next. Both go newest first with the runs list's
 * keyset cursor, so a page or a scan goes on where the last one stopped.
 */
import type { RunKeyQuery, RunScanQuery, ScannedRun } from '@sluice/runtime';
import type { DataSource } from 'typeorm';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { autocommit, isUuid } from './sql';

/** A run a list may show: its place in the order, and its state's size as JSON (bytes). */
export interface RunCandidate {
  id: string;
  started_key: string;
  bytes: number;
}

/**
 * Most payload text one scan read brings into memory, in bytes (16 MiB): a
 * payload may be as large as a request body, so a read of many runs ends
 * early instead (never with none).
 */
const MAX_SCAN_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** `WHERE` terms and parameters shared by both reads: the run's status, and the keyset position after the cursor. */
function filters(alias: string, at: string, id: string, query: { status?: string; cursor?: string }, params: unknown[]): string[] {
  const where: string[] = [];
  if (query.status !== undefined) {
    params.push(query.status);
    where.push(`${alias}.status = $${params.length}`);
  }
  if (query.cursor !== undefined) {
    const cursor = decodeKeysetCursor(query.cursor);
    params.push(cursor.at, cursor.id);
    where.push(`(${at}, ${id}) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  return where;
}

/**
 * Up to `limit` runs a key value finds, newest first, after the cursor: an
 * index range of `run_search_keys_lookup_idx`, joined to `runs` for the
 * status and the state's size.
 */
export async function keyCandidates(dataSource: DataSource, query: RunKeyQuery, limit: number): Promise<RunCandidate[]> {
  if (!isUuid(query.flowId)) return [];
  const params: unknown[] = [query.flowId, query.name, query.value];
  const where = ['k.flow_id = $1::uuid', 'k.name = $2', 'k.value = $3', ...filters('r', 'k.started_at', 'k.run_id', query, params)];
  params.push(limit);
  return autocommit<RunCandidate>(
    dataSource,
    `SELECT k.run_id AS id, k.started_at::text AS started_key, octet_length(r.state::text) AS bytes
     FROM run_search_keys k JOIN runs r ON r.id = k.run_id
     WHERE ${where.join(' AND ')}
     ORDER BY k.started_at DESC, k.run_id DESC
     LIMIT $${params.length}`,
    params,
  );
}

/**
 * The next runs of a flow with their payloads: sizes first, then the
 * payloads of the runs that fit MAX_SCAN_PAYLOAD_BYTES (at least one).
 */
export async function scanRuns(dataSource: DataSource, query: RunScanQuery): Promise<{ runs: ScannedRun[]; more: boolean }> {
  if (!isUuid(query.flowId)) return { runs: [], more: false };
  const limit = Math.max(1, Math.trunc(query.limit));
  const params: unknown[] = [query.flowId];
  const where = ['r.flow_id = $1::uuid', ...filters('r', 'r.started_at', 'r.id', query, params)];
  params.push(limit + 1);
  const candidates = await autocommit<RunCandidate & { payload_bytes: number }>(
    dataSource,
    `SELECT r.id, r.started_at::text AS started_key, octet_length(r.state::text) AS bytes,
            octet_length((r.state->'payload')::text) AS payload_bytes
     FROM runs r
     WHERE ${where.join(' AND ')}
     ORDER BY r.started_at DESC, r.id DESC
     LIMIT $${params.length}`,
    params,
  );
  const taken: typeof candidates = [];
  let total = 0;
  for (const candidate of candidates.slice(0, limit)) {
    total += Number(candidate.payload_bytes);
    if (taken.length > 0 && total > MAX_SCAN_PAYLOAD_BYTES) break;
    taken.push(candidate);
  }
  const payloads = taken.length === 0 ? [] : await autocommit<{ id: string; payload: unknown }>(
    dataSource,
    `SELECT id, state->'payload' AS payload FROM runs WHERE id = ANY($1::uuid[])`,
    [taken.map((candidate) => candidate.id)],
  );
  const byId = new Map(payloads.map((row) => [row.id, row.payload]));
  return {
    runs: taken.map((candidate) => ({
      id: candidate.id,
      payload: byId.get(candidate.id) ?? null,
      cursor: encodeKeysetCursor({ at: candidate.started_key, id: candidate.id }),
      bytes: Number(candidate.bytes),
    })),
    more: candidates.length > taken.length,
  };
}
