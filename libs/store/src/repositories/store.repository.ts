import type { FlowGraph, FlowVersionDto, HistoryEvent, RunState, StepError } from '@sluice/contracts';
import { DEFAULT_RETRY_POLICY } from '@sluice/engine';
import type { DataSource } from 'typeorm';
import type {
  DeadLetterRecord, FlowListQuery, FlowRecord, NewRunBatch, OutboxEntry, RunKeyQuery, RunListQuery, RunScanQuery, RunTransaction, ScannedRun,
  FlowWork, FlowWorkLimits, ScheduledRetry, StepDeliveryCount, StepDeliveryKey, StorePort, Subscription, SubscriptionSnapshot,
} from '@sluice/runtime';
import { readFlowWork } from './flow-work.repository';
import { batchHistoryEvents, type BatchEvent } from './history-batch';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { ReplayRepository } from './replay.repository';
import { keyCandidates, scanRuns, type RunCandidate } from './run-search.repository';
import { executeRunBatch, TypeOrmRunTransaction } from './run-transaction.repository';
import { countRedeliveries, recordDeliveryFailures } from './step-delivery.repository';
import { autocommit, iso, isUuid, json } from './sql';

interface FlowRow {
  id: string;
  name: string;
  description: string | null;
  archived: boolean;
  version: number;
  graph: FlowGraph;
  created_at: Date;
  updated_at: Date;
}

interface HistoryRow {
  run_id: string;
  events: BatchEvent[];
}

interface OutboxRow {
  id: string;
  message: OutboxEntry['message'];
  fanned_out: boolean;
}

interface DeadLetterRow {
  id: string;
  run_id: string;
  flow_id: string;
  node_id: string;
  attempts: number;
  error: StepError;
  created_at: Date;
}

const DEAD_LETTER_COLUMNS = 'id, run_id, flow_id, node_id, attempts, error, created_at';

/** Largest page `listRuns` and `listFlowPage` return. */
const MAX_PAGE = 500;
/**
 * Most JSON a page of runs or flows carries, in bytes (8 MiB). A run's state
 * holds its payload and step outputs (each up to SLUICE_MAX_STEP_OUTPUT) and a
 * graph may be as large as a request body, so 500 of them could be gigabytes;
 * a page ends early instead (at least one item), and `nextCursor` goes on.
 */
const MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** Largest flow version number: `flow_versions.version` is an int4. */
const MAX_VERSION = 2_147_483_647;

const FLOW_COLUMNS = 'f.id, f.name, f.description, f.archived, v.version, v.graph, f.created_at, f.updated_at';

function toFlow(row: FlowRow): FlowRecord {
  return {
    id: row.id, name: row.name, description: row.description, version: row.version, graph: row.graph,
    archived: row.archived, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  };
}

/** The first rows, up to `limit`, whose sizes add up to at most MAX_PAGE_BYTES; never fewer than one. */
function withinBudget<R extends { bytes: number }>(rows: readonly R[], limit: number): R[] {
  const page: R[] = [];
  let total = 0;
  for (const row of rows.slice(0, limit)) {
    total += Number(row.bytes);
    if (page.length > 0 && total > MAX_PAGE_BYTES) break;
    page.push(row);
  }
  return page;
}

/** A requested page size within 1…MAX_PAGE (50 when it is not a number). */
function pageSize(limit: number): number {
  return Number.isFinite(limit) ? Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE) : 50;
}

function toOutboxEntry(row: OutboxRow): OutboxEntry {
  return { id: row.id, message: row.message, fannedOut: row.fanned_out };
}

function toDeadLetter(row: DeadLetterRow): DeadLetterRecord {
  return {
    id: row.id, runId: row.run_id, flowId: row.flow_id, nodeId: row.node_id, attempts: row.attempts,
    error: row.error, createdAt: iso(row.created_at),
  };
}

/**
 * StorePort in plain SQL over `pg`, through TypeORM's DataSource (pool and
 * migrations; no entities: the migrations are the schema), for a PostgreSQL
 * server and for embedded PGlite alike. Reads return the `runs.state`
 * projection; the hot path (`transaction` → `writeBatch`, or `commitNewRuns`)
 * is one multi-row statement per call.
 *
 * On PGlite every transaction holds the single session until it ends: inside
 * `transaction(work)` use only `tx`, never this store, or the two wait on each other.
 */
export class TypeOrmStore implements StorePort {
  readonly replays: ReplayRepository;

  constructor(private readonly dataSource: DataSource) {
    this.replays = new ReplayRepository(dataSource);
  }

  // Flows

  async createFlow(input: { name: string; description: string | null; graph: FlowGraph }): Promise<FlowRecord> {
    const [row] = await autocommit<FlowRow>(
      this.dataSource,
      `WITH f AS (INSERT INTO flows (name, description, latest_version) VALUES ($1, $2, 1) RETURNING *),
            v AS (INSERT INTO flow_versions (flow_id, version, graph) SELECT id, 1, $3::jsonb FROM f RETURNING *)
       SELECT ${FLOW_COLUMNS} FROM f JOIN v ON v.flow_id = f.id`,
      [input.name, input.description, json(input.graph)],
    );
    if (row === undefined) throw new Error('flow insert returned nothing');
    return toFlow(row);
  }

  /** The UPDATE's row lock serialises concurrent saves, so versions are consecutive; both rows land in one statement. */
  async saveFlowVersion(
    id: string,
    input: { name?: string; description?: string | null; graph: FlowGraph },
  ): Promise<FlowRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await autocommit<FlowRow>(
      this.dataSource,
      `WITH f AS (
         UPDATE flows SET latest_version = latest_version + 1, updated_at = now(),
                name = coalesce($2::text, name),
                description = CASE WHEN $3::boolean THEN $4::text ELSE description END
         WHERE id = $1::uuid AND NOT archived
         RETURNING *),
       v AS (INSERT INTO flow_versions (flow_id, version, graph) SELECT id, latest_version, $5::jsonb FROM f RETURNING *)
       SELECT ${FLOW_COLUMNS} FROM f JOIN v ON v.flow_id = f.id`,
      [id, input.name ?? null, input.description !== undefined, input.description ?? null, json(input.graph)],
    );
    return row === undefined ? undefined : toFlow(row);
  }

  /** Archived flows are returned too (their runs may still be going). */
  async getFlow(id: string, version?: number): Promise<FlowRecord | undefined> {
    if (!isUuid(id)) return undefined;
    if (version !== undefined && !(Number.isInteger(version) && version >= 1 && version <= MAX_VERSION)) return undefined;
    const [row] = await autocommit<FlowRow>(
      this.dataSource,
      `SELECT ${FLOW_COLUMNS} FROM flows f
       JOIN flow_versions v ON v.flow_id = f.id AND v.version = coalesce($2::int, f.latest_version)
       WHERE f.id = $1::uuid`,
      [id, version ?? null],
    );
    return row === undefined ? undefined : toFlow(row);
  }

  /**
   * Latest versions, oldest flow first. Archived flows are left out unless
   * asked for (additive option beyond the port).
   */
  async listFlows(options: { includeArchived?: boolean } = {}): Promise<FlowRecord[]> {
    const found = await autocommit<FlowRow>(
      this.dataSource,
      `SELECT ${FLOW_COLUMNS} FROM flows f
       JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.latest_version
       WHERE $1::boolean OR NOT f.archived
       ORDER BY f.created_at, f.id`,
      [options.includeArchived === true],
    );
    return found.map(toFlow);
  }

  /** Active flows, oldest first (created_at, then id), keyset-paged like `listRuns`. */
  async listFlowPage(query: FlowListQuery): Promise<{ items: FlowRecord[]; nextCursor: string | null }> {
    const limit = pageSize(query.limit);
    const params: unknown[] = [];
    let after = '';
    if (query.cursor !== undefined) {
      const cursor = decodeKeysetCursor(query.cursor);
      params.push(cursor.at, cursor.id);
      after = 'AND (f.created_at, f.id) > ($1::timestamptz, $2::uuid)';
    }
    params.push(limit + 1);
    // Sizes first, so no more than MAX_PAGE_BYTES of graphs is ever read into memory.
    const candidates = await autocommit<{ id: string; created_key: string; bytes: number }>(
      this.dataSource,
      `SELECT f.id, f.created_at::text AS created_key, octet_length(v.graph::text) AS bytes FROM flows f
       JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.latest_version
       WHERE NOT f.archived ${after}
       ORDER BY f.created_at, f.id
       LIMIT $${params.length}`,
      params,
    );
    const page = withinBudget(candidates, limit);
    const found = page.length === 0 ? [] : await autocommit<FlowRow>(
      this.dataSource,
      `SELECT ${FLOW_COLUMNS} FROM flows f
       JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.latest_version
       WHERE f.id = ANY($1::uuid[])`,
      [page.map((row) => row.id)],
    );
    const byId = new Map(found.map((row) => [row.id, row]));
    const last = page[page.length - 1];
    return {
      items: page.flatMap((row) => {
        const flow = byId.get(row.id);
        return flow === undefined ? [] : [toFlow(flow)];
      }),
      nextCursor: candidates.length > page.length && last !== undefined ? encodeKeysetCursor({ at: last.created_key, id: last.id }) : null,
    };
  }

  /** Newest version first; undefined when the flow does not exist. */
  async listFlowVersions(id: string): Promise<FlowVersionDto[] | undefined> {
    if (!isUuid(id)) return undefined;
    const found = await autocommit<{ version: number | null; created_at: Date | null; node_count: number | null }>(
      this.dataSource,
      `SELECT v.version, v.created_at,
              CASE WHEN jsonb_typeof(v.graph->'nodes') = 'array' THEN jsonb_array_length(v.graph->'nodes') ELSE 0 END AS node_count
       FROM flows f LEFT JOIN flow_versions v ON v.flow_id = f.id
       WHERE f.id = $1::uuid
       ORDER BY v.version DESC`,
      [id],
    );
    if (found.length === 0) return undefined;
    return found.flatMap((row) =>
      row.version === null || row.created_at === null
        ? []
        : [{ version: row.version, createdAt: iso(row.created_at), nodeCount: row.node_count ?? 0 }]);
  }

  /** True when the flow exists (archiving twice is harmless). */
  async archiveFlow(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const found = await autocommit<{ id: string }>(
      this.dataSource,
      `UPDATE flows SET archived = true, updated_at = CASE WHEN archived THEN updated_at ELSE now() END
       WHERE id = $1::uuid RETURNING id`,
      [id],
    );
    return found.length > 0;
  }

  async listSubscriptions(): Promise<Subscription[]> {
    return (await this.subscriptionSnapshot()).subscriptions;
  }

  /** The revision comes with every row (and alone when there is none), from the statement's one snapshot. */
  async subscriptionSnapshot(): Promise<SubscriptionSnapshot> {
    const found = await autocommit<{ revision: string; flow_id: string | null; version: number | null; node_id: string | null; topic: string | null }>(
      this.dataSource,
      `SELECT r.revision::text AS revision, s.flow_id, s.version, s.node_id, s.topic
       FROM flow_revision r
       LEFT JOIN LATERAL (
         SELECT f.id AS flow_id, v.version, n->>'id' AS node_id, n->'data'->>'topic' AS topic, f.created_at
         FROM flows f
         JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.latest_version
         CROSS JOIN LATERAL jsonb_array_elements(
           CASE WHEN jsonb_typeof(v.graph->'nodes') = 'array' THEN v.graph->'nodes' ELSE '[]'::jsonb END) AS n
         WHERE NOT f.archived AND n->>'type' = 'subscribe'
           AND jsonb_typeof(n->'data'->'topic') = 'string' AND n->>'id' IS NOT NULL
       ) AS s ON true
       ORDER BY s.created_at, s.flow_id, s.node_id`,
    );
    const revision = found[0]?.revision;
    if (revision === undefined) throw new Error('flow_revision has no row');
    return {
      revision: Number(revision),
      subscriptions: found.flatMap((row) =>
        row.flow_id === null || row.version === null || row.node_id === null || row.topic === null
          ? []
          : [{ flowId: row.flow_id, flowVersion: row.version, nodeId: row.node_id, topic: row.topic }]),
    };
  }

  // Runs

  /**
   * One database transaction (READ COMMITTED) on one pooled connection;
   * committed when `work` resolves, rolled back when it throws. Not retried.
   */
  async transaction<T>(work: (tx: RunTransaction) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const tx = new TypeOrmRunTransaction(runner);
    try {
      await runner.connect();
      await runner.startTransaction();
      const result = await work(tx);
      tx.close();
      await runner.commitTransaction();
      return result;
    } catch (error) {
      tx.close();
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** A single statement is atomic on its own, so this needs no BEGIN/COMMIT round trips. */
  async commitNewRuns(batch: NewRunBatch): Promise<Set<string>> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await executeRunBatch(runner, { ...batch, updates: [] });
    } finally {
      await runner.release();
    }
  }

  async getRun(id: string): Promise<RunState | undefined> {
    return (await this.getRuns([id])).get(id);
  }

  async getRuns(ids: readonly string[]): Promise<Map<string, RunState>> {
    const wanted = [...new Set(ids)].filter(isUuid);
    const found = new Map<string, RunState>();
    if (wanted.length === 0) return found;
    const result = await autocommit<{ id: string; state: RunState }>(
      this.dataSource,
      'SELECT id, state FROM runs WHERE id = ANY($1::uuid[])',
      [wanted],
    );
    for (const row of result) found.set(row.id, row.state);
    return found;
  }

  /** Newest first (started_at, then id, descending), keyset-paged. */
  async listRuns(query: RunListQuery): Promise<{ items: RunState[]; nextCursor: string | null }> {
    const limit = pageSize(query.limit);
    if (query.flowId !== undefined && !isUuid(query.flowId)) return { items: [], nextCursor: null };
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.flowId !== undefined) {
      params.push(query.flowId);
      where.push(`flow_id = $${params.length}::uuid`);
    }
    if (query.status !== undefined) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.cursor !== undefined) {
      const cursor = decodeKeysetCursor(query.cursor);
      params.push(cursor.at, cursor.id);
      where.push(`(started_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    // Sizes first, so no more than MAX_PAGE_BYTES of run states is ever read into memory.
    const candidates = await autocommit<RunCandidate>(
      this.dataSource,
      `SELECT id, started_at::text AS started_key, octet_length(state::text) AS bytes FROM runs
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, id DESC
       LIMIT $${params.length}`,
      params,
    );
    return this.runPage(candidates, limit);
  }

  /** Newest first, keyset-paged like `listRuns`, from the search key index. */
  async listRunsByKey(query: RunKeyQuery): Promise<{ items: RunState[]; nextCursor: string | null }> {
    const limit = pageSize(query.limit);
    return this.runPage(await keyCandidates(this.dataSource, query, limit + 1), limit);
  }

  scanRuns(query: RunScanQuery): Promise<{ runs: ScannedRun[]; more: boolean }> {
    return scanRuns(this.dataSource, query);
  }

  /** A page of the first `limit` candidates within MAX_PAGE_BYTES; a further candidate means a next page. */
  private async runPage(candidates: readonly RunCandidate[], limit: number): Promise<{ items: RunState[]; nextCursor: string | null }> {
    const page = withinBudget(candidates, limit);
    const states = await this.getRuns(page.map((row) => row.id));
    const last = page[page.length - 1];
    return {
      items: page.flatMap((row) => {
        const state = states.get(row.id);
        return state === undefined ? [] : [state];
      }),
      nextCursor: candidates.length > page.length && last !== undefined ? encodeKeysetCursor({ at: last.started_key, id: last.id }) : null,
    };
  }

  /** Reads the batches that end after `afterSeq`; the first may start before it, so its earlier events are dropped. */
  async getHistory(runId: string, afterSeq = 0): Promise<HistoryEvent[]> {
    if (!isUuid(runId)) return [];
    const found = await autocommit<HistoryRow>(
      this.dataSource,
      'SELECT run_id, events FROM history WHERE run_id = $1::uuid AND last_seq > $2 ORDER BY first_seq',
      [runId, afterSeq],
    );
    return found.flatMap((row) => batchHistoryEvents(row.run_id, row.events, afterSeq));
  }

  flowWork(flowId: string, limits: FlowWorkLimits): Promise<FlowWork> {
    return readFlowWork(this.dataSource, flowId, limits);
  }

  // Outbox

  async pendingOutbox(olderThan: string, limit: number): Promise<OutboxEntry[]> {
    const found = await autocommit<OutboxRow>(
      this.dataSource,
      'SELECT id, message, fanned_out FROM outbox WHERE created_at < $1::timestamptz ORDER BY created_at, id LIMIT $2',
      [olderThan, limit],
    );
    return found.map(toOutboxEntry);
  }

  async deleteOutbox(ids: readonly string[]): Promise<void> {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return;
    await autocommit(this.dataSource, 'DELETE FROM outbox WHERE id = ANY($1::uuid[])', [wanted]);
  }

  async outboxBacklog(): Promise<number> {
    const [row] = await autocommit<{ n: number }>(this.dataSource, 'SELECT count(*)::int AS n FROM outbox');
    return row?.n ?? 0;
  }

  // Timers

  /** One statement, hence one transaction: pick (skipping rows another firer holds), delete, enqueue. */
  async fireDueTimers(now: string, limit: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const found = await autocommit<OutboxRow>(
      this.dataSource,
      `WITH due AS (
         SELECT run_id, node_id FROM timers WHERE due_at <= $1::timestamptz
         ORDER BY due_at, run_id, node_id LIMIT $2 FOR UPDATE SKIP LOCKED),
       fired AS (
         DELETE FROM timers t USING due WHERE t.run_id = due.run_id AND t.node_id = due.node_id
         RETURNING t.run_id, t.node_id, t.attempt, t.due_at)
       INSERT INTO outbox (id, message)
       SELECT gen_random_uuid(),
              jsonb_build_object('kind', 'step', 'runId', run_id, 'nodeId', node_id, 'attempt', attempt)
       FROM (SELECT * FROM fired ORDER BY due_at, run_id, node_id) AS ordered
       RETURNING id, message, fanned_out`,
      [now, limit],
    );
    return found.map(toOutboxEntry);
  }

  /**
   * Soonest first; `maxAttempts` and `lastError` come from the step in the run's projection
   * (a step state that does not say shows the engine's default policy).
   */
  async listRetries(limit: number): Promise<ScheduledRetry[]> {
    const found = await autocommit<{
      run_id: string; node_id: string; attempt: number; due_at: Date; flow_id: string;
      max_attempts: number | null; last_error: StepError | null;
    }>(
      this.dataSource,
      `SELECT t.run_id, t.node_id, t.attempt, t.due_at, r.flow_id,
              (step->>'maxAttempts')::int AS max_attempts, step->'error' AS last_error
       FROM timers t
       JOIN runs r ON r.id = t.run_id
       LEFT JOIN LATERAL (
         SELECT s AS step FROM jsonb_array_elements(r.state->'steps') AS s WHERE s->>'nodeId' = t.node_id LIMIT 1
       ) AS st ON true
       WHERE t.reason = 'retry'
       ORDER BY t.due_at, t.run_id, t.node_id
       LIMIT $1`,
      [limit],
    );
    return found.map((row) => ({
      runId: row.run_id, nodeId: row.node_id, attempt: row.attempt, dueAt: iso(row.due_at), reason: 'retry',
      flowId: row.flow_id, maxAttempts: row.max_attempts ?? Math.max(DEFAULT_RETRY_POLICY.maxAttempts, row.attempt),
      ...(row.last_error === null ? {} : { lastError: row.last_error }),
    }));
  }

  async nextTimerDue(): Promise<string | undefined> {
    const [row] = await autocommit<{ due: Date | null }>(this.dataSource, 'SELECT min(due_at) AS due FROM timers');
    return row === undefined ? undefined : iso(row.due);
  }

  // Dead letters

  /** Open dead letters, newest first. */
  async listDeadLetters(limit: number): Promise<DeadLetterRecord[]> {
    const found = await autocommit<DeadLetterRow>(
      this.dataSource,
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE status = 'open' ORDER BY created_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return found.map(toDeadLetter);
  }

  /** Only while open: redriven and discarded dead letters are gone from the user's view. */
  async getDeadLetter(id: string): Promise<DeadLetterRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await autocommit<DeadLetterRow>(
      this.dataSource,
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = $1::uuid AND status = 'open'`,
      [id],
    );
    return row === undefined ? undefined : toDeadLetter(row);
  }

  async discardDeadLetter(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const found = await autocommit<{ id: string }>(
      this.dataSource,
      `UPDATE dead_letters SET status = 'discarded', resolved_at = now() WHERE id = $1::uuid AND status = 'open' RETURNING id`,
      [id],
    );
    return found.length > 0;
  }

  // Step deliveries

  countRedeliveries(keys: readonly StepDeliveryKey[]): Promise<StepDeliveryCount[]> {
    return countRedeliveries(this.dataSource, keys);
  }

  recordDeliveryFailures(failures: readonly { key: StepDeliveryKey; error: string }[]): Promise<StepDeliveryCount[]> {
    return recordDeliveryFailures(this.dataSource, failures);
  }

  async ping(): Promise<void> {
    await autocommit(this.dataSource, 'SELECT 1');
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
