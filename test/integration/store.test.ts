/**
 * Store contract: the same behaviour against the PostgreSQL server and
 * embedded PGlite, through the StorePort only (plus raw SQL to inspect rows).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowGraph, HistoryEvent, RunState, RunStatus, StepState } from '@sluice/contracts';
import type { OutboxEntry, RunWrite, TimerEntry } from '@sluice/runtime';
import {
  createDataSource, createStore, InvalidCursorError, InvalidRunWriteError, startEmbeddedPostgres, StoreConflictError, type TypeOrmStore,
} from '@sluice/store';
import { Pool } from 'pg';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { undoThrough } from '../support/migrations';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '../support/databases';

/** PGlite's first start runs initdb (about 10 s); copies of the template start in about 1 s. */
jest.setTimeout(120_000);

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

function graph(nodes: { id: string; type: string; data?: Record<string, unknown> }[]): FlowGraph {
  return {
    nodes: nodes.map((node, index) => ({ id: node.id, type: node.type, position: { x: index * 100, y: 0 }, data: node.data ?? {} })),
    edges: nodes.slice(1).map((node, index) => ({ id: `e${index}`, source: nodes[index]!.id, target: node.id, sourceHandle: null })),
  };
}

const TRIGGER_GRAPH = graph([{ id: 'n1', type: 'trigger' }, { id: 'n2', type: 'http', data: { url: 'http://x', method: 'GET', timeoutMs: 1000 } }]);

function runState(flowId: string, overrides: Partial<RunState> = {}): RunState {
  return {
    id: randomUUID(), flowId, flowVersion: 1, eventId: randomUUID(), status: 'running', payload: { order: 42, tags: ['a', 'b'] },
    source: 'rest', steps: [], startedAt: at(0), updatedAt: at(0), lastSeq: 0, ...overrides,
  };
}

/** `count` events of `run` from seq `from`: RunStarted first, then step events. */
function events(run: RunState, from: number, count: number): HistoryEvent[] {
  return Array.from({ length: count }, (_, index): HistoryEvent => {
    const seq = from + index;
    return seq === 1
      ? { runId: run.id, seq, type: 'RunStarted', at: at(seq), data: { flowId: run.flowId, flowVersion: 1, eventId: run.eventId, payload: run.payload, source: 'rest' } }
      : { runId: run.id, seq, type: 'StepStarted', nodeId: `n${seq}`, at: at(seq), data: { attempt: 1 } };
  });
}

/** The run after `count` more events, with a write that records them. */
function advance(run: RunState, count: number, extra: Omit<RunWrite, 'state' | 'events'> = {}, status: RunStatus = run.status): { state: RunState; write: RunWrite } {
  const state: RunState = { ...run, status, lastSeq: run.lastSeq + count, updatedAt: at(run.lastSeq + count) };
  return { state, write: { state, events: events(run, run.lastSeq + 1, count), ...extra } };
}

/** The transaction handle `store.transaction` passes to its work. */
type Tx = Parameters<Parameters<TypeOrmStore['transaction']>[0]>[0];

function stepMessage(runId: string, nodeId: string, attempt = 1): OutboxEntry {
  return { id: randomUUID(), message: { kind: 'step', runId, nodeId, attempt } };
}

describe.each(STORE_KINDS)('store contract on %s', (kind) => {
  let database: TestDatabase;
  let store: TypeOrmStore;
  let raw: Pool;
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => (await raw.query(text, params)).rows as R[];
  const count = async (table: string): Promise<number> => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = await createStore(database.url, { poolSize: 4 });
    raw = new Pool({ connectionString: database.url, max: 1 });
  });

  afterAll(async () => {
    await raw?.end();
    await store?.close();
    await database?.drop();
  });

  async function newFlow(g: FlowGraph = TRIGGER_GRAPH): Promise<string> {
    return (await store.createFlow({ name: `flow ${randomUUID()}`, description: null, graph: g })).id;
  }

  /** A run inserted with `count` events. */
  async function startedRun(flowId: string, count = 1, overrides: Partial<RunState> = {}, extra: Omit<RunWrite, 'state' | 'events'> = {}): Promise<RunState> {
    const { state, write } = advance(runState(flowId, overrides), count, extra);
    expect(await store.transaction((tx) => tx.writeBatch({ inserts: [write], updates: [] }))).toEqual(new Set([state.id]));
    return state;
  }

  /** Writes to existing runs as a step's commit does: a batch without new runs. */
  const update = (tx: Tx, writes: readonly RunWrite[]): Promise<Set<string>> => tx.writeBatch({ inserts: [], updates: writes });

  /** Claims one idempotency key. */
  const claimOne = async (tx: Tx, claim: Parameters<Tx['claimIdempotencyKeys']>[0][number]): Promise<{ runId: string; eventId: string } | undefined> =>
    (await tx.claimIdempotencyKeys([claim]))[0];

  describe('schema', () => {
    it('is made by migrations only, once, even when two stores start together', async () => {
      const fresh = await createTestDatabase(kind);
      try {
        const [a, b] = await Promise.all([createStore(fresh.url, { poolSize: 2 }), createStore(fresh.url, { poolSize: 1 })]);
        await a.close();
        await b.close();
        const again = await createStore(fresh.url, { poolSize: 1 });
        await again.close();
        const check = new Pool({ connectionString: fresh.url, max: 1 });
        try {
          const migrations = await check.query<{ name: string }>('SELECT name FROM migrations');
          expect(migrations.rows.map((row) => row.name)).toEqual([
            'InitialSchema1767225600000', 'PublishChains1767312000000', 'StepDueAt1767398400000', 'StepDeliveries1767484800000',
            'FlowRevision1767571200000', 'HistoryBatches1767657600000', 'ExpectFlowRevision1767744000000', 'RunSearchKeys1767830400000',
            'Replays1767916800000', 'RunsFlowActive1768003200000',
          ]);
          const tables = await check.query<{ table_name: string; table_type: string }>(
            `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
          expect(tables.rows.filter((row) => row.table_type === 'BASE TABLE').map((row) => row.table_name)).toEqual(
            [
            'dead_letters', 'flow_revision', 'flow_versions', 'flows', 'history', 'idempotency_keys', 'migrations', 'outbox', 'publish_chains',
            'replay_events', 'replays', 'run_search_keys', 'runs', 'step_deliveries', 'timers',
          ]);
          expect(tables.rows.filter((row) => row.table_type !== 'BASE TABLE')).toEqual([{ table_name: 'history_events', table_type: 'VIEW' }]);
        } finally {
          await check.end();
        }
      } finally {
        await fresh.drop();
      }
    });

    it('keeps runs stored before a step timer was named dueAt: the migration renames nextRetryAt in each step, in order', async () => {
      const fresh = await createTestDatabase(kind);
      try {
        const first = await createStore(fresh.url, { poolSize: 1 });
        const flowId = (await first.createFlow({ name: 'before', description: null, graph: TRIGGER_GRAPH })).id;
        const legacySteps = [
          { nodeId: 'n1', status: 'succeeded', attempts: 1 },
          { nodeId: 'n2', status: 'retrying', attempts: 1, pendingAttempt: 2, nextRetryAt: at(5_000) },
          { nodeId: 'n3', status: 'running', attempts: 1, pendingAttempt: 1, nextRetryAt: at(9_000) },
        ];
        const waiting = runState(flowId);
        const plain = runState(flowId, { steps: [{ nodeId: 'n1', status: 'running', attempts: 1 }] });
        await first.close();
        const check = new Pool({ connectionString: fresh.url, max: 1 });
        try {
          for (const state of [{ ...waiting, steps: legacySteps }, plain]) {
            await check.query(
              `INSERT INTO runs (id, flow_id, flow_version, event_id, status, state, started_at, updated_at)
               VALUES ($1, $2, 1, $3, 'running', $4::jsonb, now(), now())`,
              [state.id, flowId, state.eventId, JSON.stringify(state)]);
          }
          // As if the database were still at the migration before this one.
          await check.query(`DELETE FROM migrations WHERE name = 'StepDueAt1767398400000'`);
        } finally {
          await check.end();
        }
        const upgraded = await createStore(fresh.url, { poolSize: 1 });
        try {
          await expect(upgraded.getRun(waiting.id)).resolves.toEqual({
            ...waiting,
            steps: [
              { nodeId: 'n1', status: 'succeeded', attempts: 1 },
              { nodeId: 'n2', status: 'retrying', attempts: 1, pendingAttempt: 2, dueAt: at(5_000) },
              { nodeId: 'n3', status: 'running', attempts: 1, pendingAttempt: 1, dueAt: at(9_000) },
            ],
          });
          await expect(upgraded.getRun(plain.id)).resolves.toEqual(plain);
        } finally {
          await upgraded.close();
        }
      } finally {
        await fresh.drop();
      }
    });

    it('keeps a history stored one row per event: the migration makes a batch of each gap-free range, and its down gives the rows back', async () => {
      const fresh = await createTestDatabase(kind);
      const migrator = createDataSource(fresh.url, { poolSize: 1 });
      const check = new Pool({ connectionString: fresh.url, max: 1 });
      try {
        await (await createStore(fresh.url, { poolSize: 1 })).close();
        await migrator.initialize();
        // Back to before the history batches: undo the migrations from the last one down to it.
        await undoThrough(migrator, 'HistoryBatches1767657600000');
        const [whole, gapped] = [randomUUID(), randomUUID()];
        const legacy = [
          { run_id: whole, seq: 1, type: 'RunStarted', node_id: null, at: new Date(at(1)), data: { flowId: randomUUID(), flowVersion: 1, eventId: 'e1', payload: { a: [1, null] }, source: 'rest' } },
          { run_id: whole, seq: 2, type: 'StepScheduled', node_id: 'n1', at: new Date(at(2)), data: { attempt: 1 } },
          { run_id: whole, seq: 3, type: 'StepStarted', node_id: 'n1', at: new Date(at(3)), data: { attempt: 1 } },
          { run_id: whole, seq: 4, type: 'RunIgnored', node_id: null, at: new Date(at(4)), data: {} },
          // A log with a hole (no store writes one): each side of it becomes a batch.
          { run_id: gapped, seq: 1, type: 'StepStarted', node_id: 'n1', at: new Date(at(11)), data: { attempt: 1 } },
          { run_id: gapped, seq: 2, type: 'StepStarted', node_id: 'n2', at: new Date(at(12)), data: { attempt: 1 } },
          { run_id: gapped, seq: 4, type: 'StepStarted', node_id: 'n4', at: new Date(at(14)), data: { attempt: 2 } },
          { run_id: gapped, seq: 5, type: 'StepStarted', node_id: 'n5', at: new Date(at(15)), data: { attempt: 3 } },
        ];
        for (const row of legacy) {
          await check.query('INSERT INTO history (run_id, seq, type, node_id, at, data) VALUES ($1, $2, $3, $4, $5, $6)',
            [row.run_id, row.seq, row.type, row.node_id, row.at, JSON.stringify(row.data)]);
        }
        const asEvent = (row: (typeof legacy)[number]): HistoryEvent => ({
          runId: row.run_id, seq: row.seq, type: row.type, at: row.at.toISOString(), data: row.data, ...(row.node_id === null ? {} : { nodeId: row.node_id }),
        }) as HistoryEvent;

        const upgraded = await createStore(fresh.url, { poolSize: 1 });
        try {
          await expect(upgraded.getHistory(whole)).resolves.toEqual(legacy.filter((row) => row.run_id === whole).map(asEvent));
          await expect(upgraded.getHistory(gapped, 1)).resolves.toEqual(legacy.filter((row) => row.run_id === gapped && row.seq > 1).map(asEvent));
        } finally {
          await upgraded.close();
        }
        const batches = await check.query('SELECT run_id, first_seq, last_seq, written_at FROM history ORDER BY run_id = $1 DESC, first_seq', [whole]);
        expect(batches.rows).toEqual([
          { run_id: whole, first_seq: 1, last_seq: 4, written_at: new Date(at(4)) },
          { run_id: gapped, first_seq: 1, last_seq: 2, written_at: new Date(at(12)) },
          { run_id: gapped, first_seq: 4, last_seq: 5, written_at: new Date(at(15)) },
        ]);

        await undoThrough(migrator, 'HistoryBatches1767657600000');
        const restored = await check.query('SELECT run_id, seq, type, node_id, at, data FROM history ORDER BY run_id = $1 DESC, seq', [whole]);
        expect(restored.rows).toEqual(legacy);
        const views = await check.query(`SELECT table_name FROM information_schema.views WHERE table_schema = 'public'`);
        expect(views.rows).toEqual([]);
      } finally {
        await check.end();
        if (migrator.isInitialized) await migrator.destroy();
        await fresh.drop();
      }
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  describe('flows', () => {
    it('creates, versions, lists and archives', async () => {
      const created = await store.createFlow({ name: 'orders', description: 'handles orders', graph: TRIGGER_GRAPH });
      expect(created).toMatchObject({ name: 'orders', description: 'handles orders', version: 1, graph: TRIGGER_GRAPH, archived: false });
      expect(Date.parse(created.createdAt)).not.toBeNaN();
      expect(created.createdAt).toMatch(/Z$/);
      await expect(store.getFlow(created.id)).resolves.toEqual(created);

      const g2 = graph([{ id: 'n1', type: 'trigger' }, { id: 'n2', type: 'end' }, { id: 'n3', type: 'end' }]);
      const saved = await store.saveFlowVersion(created.id, { name: 'orders v2', graph: g2 });
      expect(saved).toMatchObject({ id: created.id, name: 'orders v2', description: 'handles orders', version: 2, graph: g2 });
      const cleared = await store.saveFlowVersion(created.id, { description: null, graph: g2 });
      expect(cleared).toMatchObject({ name: 'orders v2', description: null, version: 3 });

      await expect(store.getFlow(created.id, 1)).resolves.toMatchObject({ version: 1, graph: TRIGGER_GRAPH });
      await expect(store.getFlow(created.id)).resolves.toMatchObject({ version: 3, graph: g2 });
      await expect(store.getFlow(created.id, 9)).resolves.toBeUndefined();
      const versions = await store.listFlowVersions(created.id);
      expect(versions?.map((v) => [v.version, v.nodeCount])).toEqual([[3, 3], [2, 3], [1, 2]]);

      expect((await store.listFlows()).find((f) => f.id === created.id)).toMatchObject({ version: 3, archived: false });
      await expect(store.archiveFlow(created.id)).resolves.toBe(true);
      await expect(store.archiveFlow(created.id)).resolves.toBe(true);
      await expect(store.getFlow(created.id)).resolves.toMatchObject({ archived: true, version: 3 });
      await expect(store.saveFlowVersion(created.id, { graph: g2 })).resolves.toBeUndefined();
      await expect(store.listFlowVersions(created.id)).resolves.toHaveLength(3);
      expect((await store.listFlows()).some((f) => f.id === created.id)).toBe(false);
      expect((await store.listFlows({ includeArchived: true })).some((f) => f.id === created.id)).toBe(true);
    });

    it('answers unknown and malformed ids with nothing', async () => {
      const unknown = randomUUID();
      await expect(store.getFlow(unknown)).resolves.toBeUndefined();
      await expect(store.getFlow('not-a-uuid')).resolves.toBeUndefined();
      await expect(store.saveFlowVersion(unknown, { graph: TRIGGER_GRAPH })).resolves.toBeUndefined();
      await expect(store.listFlowVersions(unknown)).resolves.toBeUndefined();
      await expect(store.archiveFlow(unknown)).resolves.toBe(false);
      await expect(store.archiveFlow('nope')).resolves.toBe(false);
    });

    it('gives concurrent saves consecutive versions', async () => {
      const id = await newFlow();
      const saved = await Promise.all(Array.from({ length: 12 }, () => store.saveFlowVersion(id, { graph: TRIGGER_GRAPH })));
      expect(saved.map((f) => f?.version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
      await expect(store.getFlow(id)).resolves.toMatchObject({ version: 13 });
      expect(await sql('SELECT 1 FROM flow_versions WHERE flow_id = $1', [id])).toHaveLength(13);
    });

    it('lists the subscribe nodes of the latest version of active flows', async () => {
      const sub = (id: string, topic: string) => ({ id, type: 'subscribe', data: { topic } });
      const flowA = await newFlow(graph([sub('s1', 'orders.created'), { id: 'n2', type: 'end' }]));
      await store.saveFlowVersion(flowA, { graph: graph([sub('s9', 'orders.*'), { id: 'n2', type: 'end' }]) });
      const archived = await newFlow(graph([sub('s1', 'archived.#')]));
      await store.archiveFlow(archived);
      const plain = await newFlow();

      const subs = await store.listSubscriptions();
      expect(subs.filter((s) => s.flowId === flowA)).toEqual([{ flowId: flowA, flowVersion: 2, nodeId: 's9', topic: 'orders.*' }]);
      expect(subs.some((s) => s.flowId === archived || s.flowId === plain)).toBe(false);
    });
  });

  describe('transactions and writes', () => {
    it('round-trips run state, history, outbox and timers', async () => {
      const flowId = await newFlow();
      const step: StepState = { nodeId: 'n2', status: 'scheduled', attempts: 0, pendingAttempt: 1, from: 'n1' };
      const initial = runState(flowId, { steps: [step] });
      const first = advance(initial, 3, { outbox: [stepMessage(initial.id, 'n2')] });
      await expect(store.transaction((tx) => tx.writeBatch({ inserts: [first.write], updates: [] }))).resolves.toEqual(new Set([initial.id]));
      await expect(store.getRun(initial.id)).resolves.toEqual(first.state);
      await expect(store.getHistory(initial.id)).resolves.toEqual(first.write.events);
      await expect(store.getHistory(initial.id, 2)).resolves.toEqual(first.write.events.slice(2));

      const timer: TimerEntry = { runId: initial.id, nodeId: 'n2', attempt: 2, dueAt: at(60_000), reason: 'retry' };
      const second = advance(first.state, 2, { timers: [timer] }, 'succeeded');
      const finished: RunState = { ...second.state, finishedAt: at(99) };
      await store.transaction(async (tx) => {
        const locked = await tx.lockRuns([initial.id, randomUUID(), 'junk']);
        expect([...locked.keys()]).toEqual([initial.id]);
        expect(locked.get(initial.id)).toEqual(first.state);
        await update(tx, [{ ...second.write, state: finished }]);
      });
      await expect(store.getRun(initial.id)).resolves.toEqual(finished);
      expect((await store.getHistory(initial.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      const [row] = await sql<{ status: string; last_seq: number; finished_at: Date }>('SELECT status, last_seq, finished_at FROM runs WHERE id = $1', [initial.id]);
      expect(row).toEqual({ status: 'succeeded', last_seq: 5, finished_at: new Date(at(99)) });
      const runs = await store.getRuns([initial.id, randomUUID()]);
      expect([...runs.keys()]).toEqual([initial.id]);
      await expect(store.getRun('junk')).resolves.toBeUndefined();
    });

    it('writes a large batch with a constant number of statements', async () => {
      const flowId = await newFlow();
      const states = Array.from({ length: 200 }, () => runState(flowId));
      const started = states.map((state) => advance(state, 1));
      const writes = started.map(({ state }) => advance(state, 4, {
        outbox: [stepMessage(state.id, 'n2')],
        timers: [{ runId: state.id, nodeId: 'n3', attempt: 1, dueAt: at(1_000_000), reason: 'delay' }],
      }).write);
      const statements: number[] = [];
      await store.transaction(async (tx) => {
        for (const batch of [{ inserts: started.map(({ write }) => write), updates: [] }, { inserts: [], updates: writes }]) {
          const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
          try {
            await tx.writeBatch(batch);
            statements.push(spy.mock.calls.length);
          } finally {
            spy.mockRestore();
          }
        }
      });
      expect(statements).toEqual([1, 1]);
      const ids = states.map((s) => s.id);
      const [counts] = await sql<{ h: number; e: number; o: number; t: number; r: number }>(
        `SELECT (SELECT count(*)::int FROM history WHERE run_id = ANY($1)) AS h,
                (SELECT count(*)::int FROM history_events WHERE run_id = ANY($1)) AS e,
                (SELECT count(*)::int FROM outbox WHERE message->>'runId' = ANY($2)) AS o,
                (SELECT count(*)::int FROM timers WHERE run_id = ANY($1)) AS t,
                (SELECT count(*)::int FROM runs WHERE id = ANY($1) AND last_seq = 5) AS r`,
        [ids, ids]);
      // One history row per run per commit: 200 runs, written twice; 1000 events.
      expect(counts).toEqual({ h: 400, e: 1000, o: 200, t: 200, r: 200 });
      await sql('DELETE FROM timers WHERE run_id = ANY($1)', [ids]);
      await sql(`DELETE FROM outbox WHERE message->>'runId' = ANY($1)`, [ids]);
    });

    it('chains two writes of one run in one batch and keeps the last timer decision', async () => {
      const run = await startedRun(await newFlow());
      const a = advance(run, 2, { timers: [{ runId: run.id, nodeId: 'n2', attempt: 1, dueAt: at(5), reason: 'delay' }] });
      const b = advance(a.state, 1, { cancelTimers: ['n2'] });
      await store.transaction((tx) => update(tx, [a.write, b.write]));
      expect((await store.getHistory(run.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(await sql('SELECT first_seq, last_seq FROM history WHERE run_id = $1 ORDER BY first_seq', [run.id]))
        .toEqual([{ first_seq: 1, last_seq: 1 }, { first_seq: 2, last_seq: 4 }]);
      await expect(store.getRun(run.id)).resolves.toEqual(b.state);
      expect(await sql('SELECT 1 FROM timers WHERE run_id = $1', [run.id])).toHaveLength(0);
    });

    it('upserts a timer per (run, node) and removes cancelled ones', async () => {
      const run = await startedRun(await newFlow());
      const one = advance(run, 1, { timers: [{ runId: run.id, nodeId: 'n2', attempt: 2, dueAt: at(10), reason: 'retry' }] });
      await store.transaction((tx) => update(tx, [one.write]));
      const two = advance(one.state, 1, {
        timers: [{ runId: run.id, nodeId: 'n2', attempt: 3, dueAt: at(20), reason: 'retry' }, { runId: run.id, nodeId: 'n5', attempt: 1, dueAt: at(30), reason: 'delay' }],
      });
      await store.transaction((tx) => update(tx, [two.write]));
      expect(await sql('SELECT node_id, attempt, due_at FROM timers WHERE run_id = $1 ORDER BY node_id', [run.id])).toEqual([
        { node_id: 'n2', attempt: 3, due_at: new Date(at(20)) }, { node_id: 'n5', attempt: 1, due_at: new Date(at(30)) },
      ]);
      const three = advance(two.state, 1, { cancelTimers: ['n2', 'n5'] });
      await store.transaction((tx) => update(tx, [three.write]));
      expect(await sql('SELECT 1 FROM timers WHERE run_id = $1', [run.id])).toHaveLength(0);
    });

    it('rejects a duplicate (run_id, seq) and rolls the whole transaction back', async () => {
      const flowId = await newFlow();
      const run = await startedRun(flowId, 3);
      // A batch from seq 4 the projection does not know about: the primary key must stop a second batch from seq 4.
      await sql(`INSERT INTO history (run_id, first_seq, last_seq, events) VALUES ($1, 4, 4, $2)`,
        [run.id, JSON.stringify([{ seq: 4, type: 'StepStarted', nodeId: 'n4', at: at(4), data: { attempt: 1 } }])]);
      const other = advance(runState(flowId), 2, { outbox: [stepMessage(randomUUID(), 'n1')] });
      const dup = advance(run, 1, {
        outbox: [stepMessage(run.id, 'n2')], timers: [{ runId: run.id, nodeId: 'n2', attempt: 2, dueAt: at(5), reason: 'retry' }],
      });
      const outboxBefore = await count('outbox');
      await expect(store.transaction(async (tx) => {
        await tx.writeBatch({ inserts: [other.write], updates: [], outbox: [stepMessage(randomUUID(), 'n9')] });
        await update(tx, [dup.write]);
      })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.getRun(other.state.id)).resolves.toBeUndefined();
      await expect(store.getHistory(other.state.id)).resolves.toEqual([]);
      await expect(store.getRun(run.id)).resolves.toEqual(run);
      expect((await store.getHistory(run.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(await count('outbox')).toBe(outboxBefore);
      expect(await sql('SELECT 1 FROM timers WHERE run_id = $1', [run.id])).toHaveLength(0);
    });

    it('refuses events that would leave a gap or repeat a seq', async () => {
      const run = await startedRun(await newFlow(), 3);
      const gap: RunWrite = { state: { ...run, lastSeq: 6 }, events: events(run, 5, 2) };
      await expect(store.transaction((tx) => update(tx, [gap]))).rejects.toBeInstanceOf(StoreConflictError);
      const repeat: RunWrite = { state: { ...run, lastSeq: 3 }, events: events(run, 3, 1) };
      await expect(store.transaction((tx) => update(tx, [repeat]))).rejects.toBeInstanceOf(StoreConflictError);
      const unordered: RunWrite = { state: { ...run, lastSeq: 5 }, events: [events(run, 5, 1)[0]!, events(run, 4, 1)[0]!] };
      await expect(store.transaction((tx) => update(tx, [unordered]))).rejects.toBeInstanceOf(InvalidRunWriteError);
      const unknownRun = advance(runState(run.flowId), 1).write;
      await expect(store.transaction((tx) => update(tx, [unknownRun]))).rejects.toBeInstanceOf(StoreConflictError);
      expect((await store.getHistory(run.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
      await expect(store.getRun(run.id)).resolves.toEqual(run);
    });

    it('inserts each (flowId, eventId) once', async () => {
      const flowId = await newFlow();
      const eventId = randomUUID();
      const a = runState(flowId, { eventId });
      const b = runState(flowId, { eventId });
      const elsewhere = runState(await newFlow(), { eventId });
      const insert = (states: RunState[]): Promise<Set<string>> => store.commitNewRuns({ inserts: states.map((state) => advance(state, 1).write) });
      await expect(insert([a, b, elsewhere])).resolves.toEqual(new Set([a.id, elsewhere.id]));
      await expect(insert([b])).resolves.toEqual(new Set());
      await expect(store.getRun(b.id)).resolves.toBeUndefined();
      await expect(store.getHistory(b.id)).resolves.toEqual([]);

      const racing = Array.from({ length: 6 }, () => runState(flowId, { eventId: 'shared-event' }));
      const won = await Promise.all(racing.map((state) => insert([state])));
      expect(won.filter((ids) => ids.size === 1)).toHaveLength(1);
      expect(await sql(`SELECT 1 FROM runs WHERE flow_id = $1 AND event_id = 'shared-event'`, [flowId])).toHaveLength(1);
    });

    it('claims an idempotency key once per flow for 24 h', async () => {
      const flowId = await newFlow();
      const claim = (key: string, runId = randomUUID(), flow = flowId) =>
        store.transaction((tx) => claimOne(tx, { flowId: flow, key, runId, eventId: `evt-${runId}` }));
      const firstRun = randomUUID();
      await expect(claim('k1', firstRun)).resolves.toBeUndefined();
      await expect(claim('k1')).resolves.toEqual({ runId: firstRun, eventId: `evt-${firstRun}` });
      await expect(claim('k1', randomUUID(), await newFlow())).resolves.toBeUndefined();

      const contenders = Array.from({ length: 8 }, () => randomUUID());
      const results = await Promise.all(contenders.map((runId) => claim('k2', runId)));
      const winners = contenders.filter((_, i) => results[i] === undefined);
      expect(winners).toHaveLength(1);
      for (const result of results) if (result !== undefined) expect(result.runId).toBe(winners[0]);

      await sql(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE flow_id = $1 AND key = 'k1'`, [flowId]);
      const taker = randomUUID();
      await expect(claim('k1', taker)).resolves.toBeUndefined();
      await expect(claim('k1')).resolves.toEqual({ runId: taker, eventId: `evt-${taker}` });
    });

    it('releases nothing when the claimant rolls back', async () => {
      const flowId = await newFlow();
      await expect(store.transaction(async (tx) => {
        await claimOne(tx, { flowId, key: 'k', runId: randomUUID(), eventId: 'e' });
        throw new Error('changed my mind');
      })).rejects.toThrow('changed my mind');
      await expect(store.transaction((tx) => claimOne(tx, { flowId, key: 'k', runId: randomUUID(), eventId: 'e2' }))).resolves.toBeUndefined();
    });

    it('commits new runs with their rows in one statement, skipping an existing (flowId, eventId) and all its rows', async () => {
      const flowId = await newFlow();
      const taken = await startedRun(flowId);
      const settled = stepMessage(randomUUID(), 'n9');
      await store.commitNewRuns({ inserts: [], outbox: [settled] });
      const fresh = advance(runState(flowId), 3, { outbox: [stepMessage('placeholder', 'n2')] });
      fresh.write.outbox = [stepMessage(fresh.state.id, 'n2')];
      const duplicate = advance(runState(flowId, { eventId: taken.eventId }), 2, {
        outbox: [stepMessage(randomUUID(), 'n2')],
        timers: [{ runId: 'set below', nodeId: 'n2', attempt: 2, dueAt: at(10), reason: 'retry' }],
      });
      duplicate.write.timers = [{ runId: duplicate.state.id, nodeId: 'n2', attempt: 2, dueAt: at(10), reason: 'retry' }];
      const loose: OutboxEntry = { id: randomUUID(), message: { kind: 'event', eventId: randomUUID(), topic: 't.x', payload: {} }, fannedOut: true };

      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
      let inserted: Set<string>;
      try {
        inserted = await store.commitNewRuns({ inserts: [fresh.write, duplicate.write], outbox: [loose], deleteOutbox: [settled.id] });
        expect(spy.mock.calls.map((call) => String(call[0]).trim().split(/\s+/)[0])).toEqual(['WITH']);
      } finally {
        spy.mockRestore();
      }
      expect(inserted).toEqual(new Set([fresh.state.id]));
      await expect(store.getRun(fresh.state.id)).resolves.toEqual(fresh.state);
      await expect(store.getHistory(fresh.state.id)).resolves.toEqual(fresh.write.events);
      await expect(store.getRun(duplicate.state.id)).resolves.toBeUndefined();
      expect(await sql('SELECT 1 FROM history WHERE run_id = $1', [duplicate.state.id])).toHaveLength(0);
      expect(await sql('SELECT 1 FROM timers WHERE run_id = $1', [duplicate.state.id])).toHaveLength(0);
      const outboxIds = (await sql<{ id: string }>('SELECT id FROM outbox WHERE id = ANY($1)', [
        [fresh.write.outbox[0]!.id, duplicate.write.outbox![0]!.id, loose.id, settled.id],
      ])).map((row) => row.id);
      expect(outboxIds.sort()).toEqual([fresh.write.outbox[0]!.id, loose.id].sort());
      const [row] = await sql<{ last_seq: number }>('SELECT last_seq FROM runs WHERE id = $1', [fresh.state.id]);
      expect(row!.last_seq).toBe(3);
      await sql('DELETE FROM outbox WHERE id = ANY($1)', [[fresh.write.outbox[0]!.id, loose.id]]);
    });

    it('inserts a run with insertedWith only together with that new run, and skips its rows with it', async () => {
      const flowId = await newFlow();
      const taken = await startedRun(flowId);
      const write = (run: RunState, extra: Omit<RunWrite, 'state' | 'events'> = {}): RunWrite => {
        const next = advance(run, 1, extra).write;
        return { ...next, outbox: [stepMessage(run.id, 'n2')] };
      };
      const parent = runState(flowId);
      const child = runState(flowId, { parentRunId: parent.id });
      const skippedParent = runState(flowId, { eventId: taken.eventId });
      const orphan = runState(flowId, { parentRunId: skippedParent.id });
      const parentWrite = write(parent);
      const childWrite = { ...write(child), insertedWith: parent.id };
      const orphanWrite = { ...write(orphan), insertedWith: skippedParent.id };

      const inserted = await store.transaction((tx) =>
        tx.writeBatch({ inserts: [childWrite, parentWrite, orphanWrite, write(skippedParent)], updates: [] }));

      expect(inserted).toEqual(new Set([parent.id, child.id]));
      await expect(store.getRun(child.id)).resolves.toEqual(childWrite.state);
      await expect(store.getHistory(child.id)).resolves.toEqual(childWrite.events);
      await expect(store.getRun(orphan.id)).resolves.toBeUndefined();
      expect(await sql('SELECT 1 FROM history WHERE run_id = $1', [orphan.id])).toHaveLength(0);
      const outbox = await sql<{ id: string }>('SELECT id FROM outbox WHERE id = ANY($1)', [[childWrite.outbox![0]!.id, orphanWrite.outbox![0]!.id]]);
      expect(outbox.map((row) => row.id)).toEqual([childWrite.outbox![0]!.id]);
      await sql('DELETE FROM outbox WHERE id = ANY($1)', [[parentWrite.outbox![0]!.id, childWrite.outbox![0]!.id]]);

      // insertedWith must name a new run of the same batch that is inserted on its own.
      const stray = { ...write(runState(flowId)), insertedWith: randomUUID() };
      await expect(store.transaction((tx) => tx.writeBatch({ inserts: [stray], updates: [] }))).rejects.toThrow(/insertedWith/);
    });

    it('checks the flow revision in the statement of new runs: at the expected one it writes and counts chain runs, moved it writes nothing', async () => {
      const flowId = await newFlow();
      const revision = await store.transaction((tx) => tx.flowRevision());
      const parent = runState(flowId);
      const skipped = runState(flowId, { eventId: (await startedRun(flowId)).eventId });
      const origin = (run: RunState): string => `origin-${run.id}`;
      const chainRuns = [
        { originEventId: origin(parent), runs: 2, insertedWith: parent.id },
        { originEventId: origin(parent), runs: 1, insertedWith: parent.id },
        { originEventId: origin(skipped), runs: 5, insertedWith: skipped.id },
      ];
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
      let inserted: Set<string>;
      try {
        inserted = await store.commitNewRuns({ inserts: [advance(parent, 1).write, advance(skipped, 1).write], expectFlowRevision: revision, chainRuns });
        expect(spy.mock.calls.map((call) => String(call[0]).trim().split(/\s+/)[0])).toEqual(['WITH']);
      } finally {
        spy.mockRestore();
      }
      expect(inserted).toEqual(new Set([parent.id]));
      const counted = await sql<{ origin_event_id: string; runs: number }>(
        'SELECT origin_event_id, runs FROM publish_chains WHERE origin_event_id = ANY($1) ORDER BY origin_event_id', [[origin(parent), origin(skipped)]],
      );
      expect(counted).toEqual([{ origin_event_id: origin(parent), runs: 3 }]);

      // A flow change moves the revision: the same kind of statement writes nothing and names the new revision.
      await newFlow();
      const late = runState(flowId);
      const moved = store.commitNewRuns({
        inserts: [advance(late, 1).write], expectFlowRevision: revision, chainRuns: [{ originEventId: origin(late), runs: 1, insertedWith: late.id }],
      });
      await expect(moved).rejects.toMatchObject({ code: 'flow_revision_moved', revision: revision + 1 });
      await expect(store.getRun(late.id)).resolves.toBeUndefined();
      expect(await sql('SELECT 1 FROM publish_chains WHERE origin_event_id = $1', [origin(late)])).toHaveLength(0);
    });

    it('writes new and existing runs in one batch, and a failed last_seq check rolls back all of it', async () => {
      const flowId = await newFlow();
      const existing = await startedRun(flowId);
      const next = advance(existing, 2);
      const fresh = advance(runState(flowId), 2);
      const inserted = await store.transaction((tx) => tx.writeBatch({ inserts: [fresh.write], updates: [next.write] }));
      expect(inserted).toEqual(new Set([fresh.state.id]));
      await expect(store.getRun(existing.id)).resolves.toEqual(next.state);
      await expect(store.getRun(fresh.state.id)).resolves.toEqual(fresh.state);

      const stale = advance(existing, 1); // starts after seq 1, but the run is at seq 3
      const another = advance(runState(flowId), 1);
      await expect(store.transaction((tx) => tx.writeBatch({ inserts: [another.write], updates: [stale.write] }))).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.getRun(another.state.id)).resolves.toBeUndefined();
      await expect(store.getRun(existing.id)).resolves.toEqual(next.state);
      await expect(store.transaction((tx) => tx.writeBatch({ inserts: [advance(existing, 1).write], updates: [] })))
        .rejects.toBeInstanceOf(InvalidRunWriteError);
    });

    it('returns a known state under lock without reading it again, and the stored one when the run moved on', async () => {
      const flowId = await newFlow();
      const still = await startedRun(flowId);
      const moved = await startedRun(flowId);
      const later = advance(moved, 2);
      await store.transaction((tx) => update(tx, [later.write]));
      const marker = { ...still, payload: 'the caller\'s copy' };
      const locked = await store.transaction((tx) => tx.lockRuns([still.id, moved.id, randomUUID()], new Map([[still.id, marker], [moved.id, moved]])));
      expect(locked.get(still.id)).toBe(marker);
      expect(locked.get(moved.id)).toEqual(later.state);
      expect(locked.size).toBe(2);
    });

    it('claims several idempotency keys at once: repeats go to the first claim, held keys to their holder', async () => {
      const flowId = await newFlow();
      const claim = (key: string, runId = randomUUID()) => ({ flowId, key, runId, eventId: `evt-${runId}` });
      const held = claim('held');
      await store.transaction((tx) => claimOne(tx, held));
      const first = claim('new');
      const results = await store.transaction((tx) => tx.claimIdempotencyKeys([first, claim('held'), claim('new'), claim('other')]));
      expect(results).toEqual([undefined, { runId: held.runId, eventId: held.eventId }, { runId: first.runId, eventId: first.eventId }, undefined]);

      // Two batches racing for overlapping keys in opposite orders: each key has one winner, and neither deadlocks.
      const keys = Array.from({ length: 20 }, (_, i) => `race-${i}`);
      const left = keys.map((key) => claim(key));
      const right = [...keys].reverse().map((key) => claim(key));
      const [a, b] = await Promise.all([
        store.transaction((tx) => tx.claimIdempotencyKeys(left)),
        store.transaction((tx) => tx.claimIdempotencyKeys(right)),
      ]);
      keys.forEach((key, i) => {
        const fromLeft = a[i];
        const fromRight = b[keys.length - 1 - i];
        expect([fromLeft, fromRight].filter((result) => result === undefined)).toHaveLength(1);
        const winner = fromLeft === undefined ? left[i]! : right[keys.length - 1 - i]!;
        expect(fromLeft ?? fromRight).toEqual({ runId: winner.runId, eventId: winner.eventId });
      });
    });

    it('refuses a RunTransaction used after its transaction', async () => {
      let leaked: Parameters<Parameters<TypeOrmStore['transaction']>[0]>[0] | undefined;
      await store.transaction(async (tx) => { leaked = tx; });
      await expect(leaked!.lockRuns([randomUUID()])).rejects.toThrow(/after its transaction/);
    });
  });

  describe('history batches', () => {
    /** The run's history rows: seq range and how many events each holds. */
    const batchesOf = (runId: string): Promise<{ first_seq: number; last_seq: number; n: number }[]> => sql(
      'SELECT first_seq, last_seq, jsonb_array_length(events) AS n FROM history WHERE run_id = $1 ORDER BY first_seq', [runId]);

    /** Events of every kind of envelope: with and without a node, data that is nested, null-holding or empty. */
    function variedEvents(run: RunState, from: number): HistoryEvent[] {
      return [
        { runId: run.id, seq: from, type: 'StepSucceeded', nodeId: 'n2', at: at(from), data: { attempt: 1, output: { rows: [{ id: 1, tags: ['x', null] }], note: 'é ✓' }, handle: null, durationMs: 12 } },
        { runId: run.id, seq: from + 1, type: 'StepSkipped', nodeId: 'n3', at: at(from + 1), data: { reason: 'branch not taken' } },
        { runId: run.id, seq: from + 2, type: 'RunSucceeded', at: at(from + 2), data: {} },
      ];
    }

    it('stores a run written over several commits as one row per commit, and reads back the events written, from any seq', async () => {
      const first = advance(runState(await newFlow()), 3);
      await store.transaction((tx) => tx.writeBatch({ inserts: [first.write], updates: [] }));
      const second = advance(first.state, 2);
      await store.transaction((tx) => update(tx, [second.write]));
      const third: RunWrite = { state: { ...second.state, lastSeq: 8, status: 'succeeded' }, events: variedEvents(second.state, 6) };
      await store.transaction((tx) => update(tx, [third]));

      const written = [...first.write.events, ...second.write.events, ...third.events];
      await expect(store.getHistory(first.state.id)).resolves.toEqual(written);
      expect(await batchesOf(first.state.id)).toEqual([{ first_seq: 1, last_seq: 3, n: 3 }, { first_seq: 4, last_seq: 5, n: 2 }, { first_seq: 6, last_seq: 8, n: 3 }]);
      for (const afterSeq of [0, 1, 3, 4, 6, 7, 8, 9]) {
        await expect(store.getHistory(first.state.id, afterSeq)).resolves.toEqual(written.filter((event) => event.seq > afterSeq));
      }
    });

    it('flattens the batches in the history_events view, one row per event', async () => {
      const first = advance(runState(await newFlow()), 2);
      await store.transaction((tx) => tx.writeBatch({ inserts: [first.write], updates: [] }));
      const more: RunWrite = { state: { ...first.state, lastSeq: 5 }, events: variedEvents(first.state, 3) };
      await store.transaction((tx) => update(tx, [more]));
      const rows = await sql('SELECT run_id, seq, type, node_id, at, data FROM history_events WHERE run_id = $1 ORDER BY seq', [first.state.id]);
      expect(rows).toEqual([...first.write.events, ...more.events].map((event) => ({
        run_id: event.runId, seq: event.seq, type: event.type, node_id: event.nodeId ?? null, at: new Date(event.at), data: event.data,
      })));
    });

    it('writes one row per run a commit touches, however many writes of it the commit chains', async () => {
      const flowId = await newFlow();
      const [x, y] = [await startedRun(flowId), await startedRun(flowId)];
      const x1 = advance(x, 2);
      const x2 = advance(x1.state, 1);
      const x3 = advance(x2.state, 3);
      const y1 = advance(y, 1);
      const z = advance(runState(flowId), 4);
      const before = await count('history');
      await store.transaction((tx) => tx.writeBatch({ inserts: [z.write], updates: [x1.write, y1.write, x2.write, x3.write] }));
      expect(await count('history')).toBe(before + 3);
      expect(await batchesOf(x.id)).toEqual([{ first_seq: 1, last_seq: 1, n: 1 }, { first_seq: 2, last_seq: 7, n: 6 }]);
      expect(await batchesOf(y.id)).toEqual([{ first_seq: 1, last_seq: 1, n: 1 }, { first_seq: 2, last_seq: 2, n: 1 }]);
      expect(await batchesOf(z.state.id)).toEqual([{ first_seq: 1, last_seq: 4, n: 4 }]);
      await expect(store.getHistory(x.id, 1)).resolves.toEqual([...x1.write.events, ...x2.write.events, ...x3.write.events]);
    });

    it('refuses a stale write, whether it starts where a batch starts or in the middle of one, and writes nothing of it', async () => {
      const run = await startedRun(await newFlow(), 2);
      const winner = advance(run, 3);
      await store.transaction((tx) => update(tx, [winner.write]));
      const sameStart = advance(run, 1); // from seq 3, where the winner's batch starts
      const midBatch = advance({ ...run, lastSeq: 3 }, 2); // from seq 4, inside the winner's batch
      for (const stale of [sameStart, midBatch]) {
        await expect(store.transaction((tx) => update(tx, [stale.write]))).rejects.toBeInstanceOf(StoreConflictError);
      }
      expect(await batchesOf(run.id)).toEqual([{ first_seq: 1, last_seq: 2, n: 2 }, { first_seq: 3, last_seq: 5, n: 3 }]);
      await expect(store.getHistory(run.id)).resolves.toEqual([...events(run, 1, 2), ...winner.write.events]);
      await expect(store.getRun(run.id)).resolves.toEqual(winner.state);
    });

    it.each([
      ['a NUL', '\u0000'],
      ['a lone UTF-16 surrogate', '\ud800'],
    ])('refuses a commit with %s in one event as unstorable, and commits the others without it', async (_what, output) => {
      const flowId = await newFlow();
      const [good, bad] = [await startedRun(flowId), await startedRun(flowId)];
      const goodNext = advance(good, 2);
      const badNext = advance(bad, 2);
      badNext.write.events[1] = { runId: bad.id, seq: 3, type: 'StepSucceeded', nodeId: 'n3', at: at(3), data: { attempt: 1, output, handle: null, durationMs: 1 } };
      const fresh = advance(runState(flowId), 1);
      const rowsBefore = await count('history');

      await expect(store.transaction((tx) => tx.writeBatch({ inserts: [fresh.write], updates: [goodNext.write, badNext.write] })))
        .rejects.toMatchObject({ name: 'UnstorableValueError', code: 'unstorable' });
      expect(await count('history')).toBe(rowsBefore);
      await expect(store.getRun(fresh.state.id)).resolves.toBeUndefined();

      // What the runtime's split does: the commit without the member that holds the value.
      await expect(store.transaction((tx) => tx.writeBatch({ inserts: [fresh.write], updates: [goodNext.write] }))).resolves.toEqual(new Set([fresh.state.id]));
      await expect(store.getHistory(good.id)).resolves.toEqual([...events(good, 1, 1), ...goodNext.write.events]);
      await expect(store.getHistory(bad.id)).resolves.toEqual(events(bad, 1, 1));
      expect(await count('history')).toBe(rowsBefore + 2);
    });
  });

  describe('outbox', () => {
    beforeEach(async () => { await sql('DELETE FROM outbox'); });

    it('lists pending entries oldest first, counts and deletes them', async () => {
      const run = await startedRun(await newFlow());
      const first = stepMessage(run.id, 'n2');
      await store.transaction((tx) => update(tx, [advance(run, 1, { outbox: [first] }).write]));
      await new Promise((resolve) => setTimeout(resolve, 15));
      const event: OutboxEntry = { id: randomUUID(), message: { kind: 'event', eventId: 'e1', topic: 'orders.created', payload: [1, 2] }, fannedOut: true };
      await store.commitNewRuns({ inserts: [], outbox: [event] });

      await expect(store.outboxBacklog()).resolves.toBe(2);
      const future = new Date(Date.now() + 60_000).toISOString();
      await expect(store.pendingOutbox(future, 10)).resolves.toEqual([{ ...first, fannedOut: false }, event]);
      await expect(store.pendingOutbox(future, 1)).resolves.toEqual([{ ...first, fannedOut: false }]);
      await expect(store.pendingOutbox(new Date(Date.now() - 60_000).toISOString(), 10)).resolves.toEqual([]);
      await store.deleteOutbox([first.id, 'junk']);
      await expect(store.outboxBacklog()).resolves.toBe(1);
      await store.deleteOutbox([]);
      await expect(store.pendingOutbox(future, 10)).resolves.toEqual([event]);
    });
  });

  describe('flow work', () => {
    const steps = (...entries: [string, StepState['status']][]): StepState[] => entries.map(([nodeId, status]) => ({ nodeId, status, attempts: 1 }));
    const retry = (runId: string, nodeId: string, reason: TimerEntry['reason'] = 'retry'): TimerEntry => ({ runId, nodeId, attempt: 2, dueAt: at(60_000), reason });

    it('counts by node the steps in progress and the retries waiting of the running runs, and the step messages of its runs in the outbox', async () => {
      const flowId = await newFlow();
      const otherFlow = await newFlow();
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await startedRun(flowId, 1, { id: a, steps: steps(['n1', 'succeeded'], ['n2', 'scheduled']) }, { outbox: [stepMessage(a, 'n2')] });
      await startedRun(flowId, 1, { id: b, steps: steps(['n1', 'succeeded'], ['n2', 'retrying']) }, { timers: [retry(b, 'n2')] });
      await startedRun(flowId, 1, { id: c, steps: steps(['n2', 'running'], ['n3', 'running']) }, { timers: [retry(c, 'n3', 'delay')] });
      await startedRun(flowId, 1, { status: 'succeeded', steps: steps(['n2', 'scheduled']) });
      const elsewhere = randomUUID();
      await startedRun(otherFlow, 1, { id: elsewhere, steps: steps(['n2', 'scheduled']) }, { outbox: [stepMessage(elsewhere, 'n2')] });
      await store.commitNewRuns({ inserts: [], outbox: [{ id: randomUUID(), message: { kind: 'event', eventId: 'e', topic: 'x', payload: {} } }] });

      await expect(store.flowWork(flowId, { maxRuns: 100, maxOutboxRows: 1000 })).resolves.toEqual({
        runsRunning: 3,
        runsCapped: false,
        nodes: [{ nodeId: 'n2', inFlight: 2, retriesWaiting: 1 }, { nodeId: 'n3', inFlight: 1, retriesWaiting: 0 }],
        outboxRows: 1,
        outboxCapped: false,
      });
    });

    it('reads at most maxRuns running runs and maxOutboxRows outbox rows, and says when it stopped there', async () => {
      const flowId = await newFlow();
      for (let n = 0; n < 3; n++) {
        const id = randomUUID();
        await startedRun(flowId, 1, { id, steps: steps(['n2', 'scheduled']), startedAt: at(n) }, { outbox: [stepMessage(id, 'n2')] });
      }
      const work = await store.flowWork(flowId, { maxRuns: 2, maxOutboxRows: 1 });
      expect(work).toEqual({ runsRunning: 2, runsCapped: true, nodes: [{ nodeId: 'n2', inFlight: 2, retriesWaiting: 0 }], outboxRows: expect.any(Number), outboxCapped: true });
      expect(work.outboxRows).toBeLessThanOrEqual(1);
      await expect(store.flowWork(flowId, { maxRuns: 3, maxOutboxRows: 1000 })).resolves.toEqual(expect.objectContaining({ runsRunning: 3, runsCapped: false }));
    });

    it('answers no work for an id that is no flow\'s', async () => {
      await expect(store.flowWork('not-a-uuid', { maxRuns: 10, maxOutboxRows: 10 })).resolves.toEqual({
        runsRunning: 0, runsCapped: false, nodes: [], outboxRows: 0, outboxCapped: false,
      });
      await expect(store.flowWork(randomUUID(), { maxRuns: 10, maxOutboxRows: 10 })).resolves.toEqual(expect.objectContaining({ runsRunning: 0, nodes: [] }));
    });
  });

  describe('timers', () => {
    beforeEach(async () => { await sql('DELETE FROM timers'); await sql('DELETE FROM outbox'); });

    it('fires only due timers into the outbox, once', async () => {
      const run = await startedRun(await newFlow());
      const timers: TimerEntry[] = [
        { runId: run.id, nodeId: 'due-1', attempt: 2, dueAt: at(1_000), reason: 'retry' },
        { runId: run.id, nodeId: 'due-2', attempt: 1, dueAt: at(2_000), reason: 'delay' },
        { runId: run.id, nodeId: 'later', attempt: 4, dueAt: at(9_000), reason: 'retry' },
      ];
      await store.transaction((tx) => update(tx, [advance(run, 1, { timers }).write]));
      await expect(store.nextTimerDue()).resolves.toBe(at(1_000));

      const fired = await store.fireDueTimers(at(2_000), 10);
      expect(fired.map((entry) => entry.message)).toEqual([
        { kind: 'step', runId: run.id, nodeId: 'due-1', attempt: 2 }, { kind: 'step', runId: run.id, nodeId: 'due-2', attempt: 1 },
      ]);
      await expect(store.pendingOutbox(new Date(Date.now() + 60_000).toISOString(), 10)).resolves.toEqual(
        expect.arrayContaining(fired.map((entry) => expect.objectContaining({ id: entry.id, message: entry.message }))));
      await expect(store.outboxBacklog()).resolves.toBe(2);
      await expect(store.fireDueTimers(at(2_000), 10)).resolves.toEqual([]);
      await expect(store.nextTimerDue()).resolves.toBe(at(9_000));
      expect(await sql('SELECT node_id FROM timers')).toEqual([{ node_id: 'later' }]);
    });

    it('never fires a timer twice when firers race', async () => {
      const flowId = await newFlow();
      const runs = await Promise.all(Array.from({ length: 5 }, () => startedRun(flowId)));
      const writes = runs.map((run) => advance(run, 1, {
        timers: Array.from({ length: 12 }, (_, i) => ({ runId: run.id, nodeId: `n${i}`, attempt: 1, dueAt: at(i), reason: 'delay' as const })),
      }).write);
      await store.transaction((tx) => update(tx, writes));
      const fired: OutboxEntry[] = [];
      for (let round = 0; round < 10 && fired.length < 60; round += 1) {
        const batches = await Promise.all(Array.from({ length: 6 }, () => store.fireDueTimers(at(100), 7)));
        fired.push(...batches.flat());
      }
      const keys = fired.map((entry) => (entry.message.kind === 'step' ? `${entry.message.runId}/${entry.message.nodeId}` : 'event'));
      expect(keys).toHaveLength(60);
      expect(new Set(keys).size).toBe(60);
      await expect(store.outboxBacklog()).resolves.toBe(60);
      await expect(store.nextTimerDue()).resolves.toBeUndefined();
    });

    it('lists scheduled retries with the step attempts and last error', async () => {
      const flowId = await newFlow();
      const error = { code: 'http_status', message: '503 from upstream', status: 503, retryable: true };
      const base = await startedRun(flowId);
      const steps: StepState[] = [{ nodeId: 'n2', status: 'retrying', attempts: 1, maxAttempts: 3, error, dueAt: at(5_000) }];
      const withSteps = advance({ ...base, steps }, 1, {
        timers: [
          { runId: base.id, nodeId: 'n2', attempt: 2, dueAt: at(5_000), reason: 'retry' },
          { runId: base.id, nodeId: 'n7', attempt: 1, dueAt: at(1_000), reason: 'delay' },
          { runId: base.id, nodeId: 'n8', attempt: 2, dueAt: at(4_000), reason: 'retry' },
        ],
      });
      await store.transaction((tx) => update(tx, [withSteps.write]));
      await expect(store.listRetries(10)).resolves.toEqual([
        { runId: base.id, nodeId: 'n8', attempt: 2, dueAt: at(4_000), reason: 'retry', flowId, maxAttempts: 5 },
        { runId: base.id, nodeId: 'n2', attempt: 2, dueAt: at(5_000), reason: 'retry', flowId, maxAttempts: 3, lastError: error },
      ]);
      await expect(store.listRetries(1)).resolves.toHaveLength(1);
    });
  });

  describe('dead letters', () => {
    beforeEach(async () => { await sql('DELETE FROM dead_letters'); });

    it('lists, gets, discards and resolves', async () => {
      const flowId = await newFlow();
      const run = await startedRun(flowId);
      const error = { code: 'http_status', message: '500', status: 500, retryable: true };
      const letters = [1, 2, 3].map((i) => ({ id: randomUUID(), runId: run.id, flowId, nodeId: `n${i}`, attempts: 5, error, createdAt: at(i * 1_000) }));
      await store.transaction((tx) => update(tx, [advance(run, 1, { deadLetters: letters }).write]));

      await expect(store.listDeadLetters(10)).resolves.toEqual([letters[2], letters[1], letters[0]]);
      await expect(store.listDeadLetters(1)).resolves.toEqual([letters[2]]);
      await expect(store.getDeadLetter(letters[0]!.id)).resolves.toEqual(letters[0]);
      await expect(store.getDeadLetter(randomUUID())).resolves.toBeUndefined();
      await expect(store.getDeadLetter('junk')).resolves.toBeUndefined();

      await expect(store.discardDeadLetter(letters[0]!.id)).resolves.toBe(true);
      await expect(store.discardDeadLetter(letters[0]!.id)).resolves.toBe(false);
      await expect(store.discardDeadLetter(randomUUID())).resolves.toBe(false);
      await expect(store.getDeadLetter(letters[0]!.id)).resolves.toBeUndefined();

      const current = (await store.getRun(run.id))!;
      await store.transaction((tx) => update(tx, [advance(current, 1, { resolveDeadLetters: [letters[1]!.id, letters[0]!.id] }).write]));
      await expect(store.listDeadLetters(10)).resolves.toEqual([letters[2]]);
      await expect(store.discardDeadLetter(letters[1]!.id)).resolves.toBe(false);
      expect(await sql('SELECT id, status FROM dead_letters ORDER BY created_at')).toEqual([
        { id: letters[0]!.id, status: 'discarded' }, { id: letters[1]!.id, status: 'redriven' }, { id: letters[2]!.id, status: 'open' },
      ]);
    });
  });

  describe('step deliveries', () => {
    const key = (attempt = 1) => ({ messageId: randomUUID(), runId: randomUUID(), nodeId: 'n2', attempt });

    it('counts redeliveries and records failures, each in a statement of its own, answering in input order', async () => {
      const [a, b] = [key(), key(2)];
      await expect(store.recordDeliveryFailures([{ key: a, error: 'first \ufffd' }])).resolves.toEqual([{ deliveries: 1, lastError: 'first \ufffd' }]);
      await expect(store.countRedeliveries([b, a, a])).resolves.toEqual([
        { deliveries: 2, lastError: null }, { deliveries: 2, lastError: 'first \ufffd' }, { deliveries: 2, lastError: 'first \ufffd' },
      ]);
      await expect(store.recordDeliveryFailures([{ key: a, error: 'second' }, { key: b, error: 'other' }])).resolves.toEqual([
        { deliveries: 2, lastError: 'second' }, { deliveries: 2, lastError: 'other' },
      ]);
      await expect(store.countRedeliveries([a])).resolves.toEqual([{ deliveries: 3, lastError: 'second' }]);
      await expect(store.countRedeliveries([])).resolves.toEqual([]);
    });

    it('prunes counts untouched for a day', async () => {
      const [old, kept] = [key(), key()];
      await store.countRedeliveries([old, kept]);
      await sql(`UPDATE step_deliveries SET updated_at = now() - interval '25 hours' WHERE message_id = ANY($1)`, [[old.messageId, kept.messageId]]);
      await expect(store.countRedeliveries([kept, key()])).resolves.toEqual([{ deliveries: 3, lastError: null }, { deliveries: 2, lastError: null }]);
      expect(await sql('SELECT message_id FROM step_deliveries WHERE message_id = $1', [old.messageId])).toEqual([]);
    });
  });

  describe('listRuns', () => {
    it('pages newest first with a cursor and filters by flow and status', async () => {
      const flowId = await newFlow();
      const statuses: RunStatus[] = ['running', 'succeeded', 'failed', 'succeeded', 'running', 'succeeded', 'ignored'];
      const states: RunState[] = [];
      for (const [i, status] of statuses.entries()) {
        // Two runs share a start time: the id breaks the tie.
        states.push(await startedRun(flowId, 1, { status, startedAt: at(i === 4 ? 3_000 : i * 1_000) }));
      }
      await startedRun(await newFlow(), 1, { startedAt: at(50_000) });
      const expected = [...states].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));

      const seen: RunState[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listRuns({ flowId, limit: 3, cursor });
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((s) => s.id)).toEqual(expected.map((s) => s.id));
      expect(seen).toEqual(expected);

      const succeeded = await store.listRuns({ flowId, status: 'succeeded', limit: 10 });
      expect(succeeded).toEqual({ items: expected.filter((s) => s.status === 'succeeded'), nextCursor: null });
      const exact = await store.listRuns({ flowId, limit: 7 });
      expect(exact.nextCursor).toBeNull();
      expect((await store.listRuns({ limit: 1 })).items[0]?.startedAt).toBe(at(50_000));
      await expect(store.listRuns({ flowId: 'junk', limit: 5 })).resolves.toEqual({ items: [], nextCursor: null });
      await expect(store.listRuns({ limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('concurrency', () => {
    it('serialises concurrent transactions that append to one run', async () => {
      const run = await startedRun(await newFlow());
      const appenders = 24;
      await Promise.all(Array.from({ length: appenders }, () => store.transaction(async (tx) => {
        const state = (await tx.lockRuns([run.id])).get(run.id)!;
        await new Promise((resolve) => setImmediate(resolve));
        await update(tx, [advance(state, 1, { outbox: [stepMessage(run.id, 'n2')] }).write]);
      })));
      const history = await store.getHistory(run.id);
      expect(history.map((e) => e.seq)).toEqual(Array.from({ length: appenders + 1 }, (_, i) => i + 1));
      await expect(store.getRun(run.id)).resolves.toMatchObject({ lastSeq: appenders + 1 });
    });

    it('keeps reads and independent transactions correct while others are open', async () => {
      const flowId = await newFlow();
      const work = Array.from({ length: 60 }, async (_, i) => {
        switch (i % 4) {
          case 0: return expect(store.getFlow(flowId)).resolves.toMatchObject({ id: flowId });
          case 1: return expect(store.listRuns({ flowId: randomUUID(), status: 'failed', limit: 2 })).resolves.toEqual({ items: [], nextCursor: null });
          default: {
            const run = await startedRun(flowId, 2);
            await expect(store.getHistory(run.id, 1)).resolves.toHaveLength(1);
            await expect(store.getRun(run.id)).resolves.toEqual(run);
          }
        }
      });
      await Promise.all(work);
      expect(await sql('SELECT 1 FROM runs WHERE flow_id = $1', [flowId])).toHaveLength(30);
    });

    it('rolls back what a dropped connection left open and carries on', async () => {
      const flowId = await newFlow();
      const client = new Pool({ connectionString: database.url, max: 1 });
      const connection = await client.connect();
      await connection.query('BEGIN');
      await connection.query(`UPDATE flows SET name = 'half-written' WHERE id = $1`, [flowId]);
      connection.release(new Error('drop this connection'));
      await client.end();
      await expect(store.getFlow(flowId)).resolves.toMatchObject({ name: expect.not.stringMatching('half-written') });
      await expect(startedRun(flowId)).resolves.toMatchObject({ flowId });
    });
  });
});

describe('embedded PostgreSQL (PGlite)', () => {
  it('initialises a data directory, keeps data across a clean stop and restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-embedded-'));
    try {
      const first = await startEmbeddedPostgres(dataDir);
      expect(first.timings.initialised).toBe(true);
      expect(first.url).toMatch(/^postgres:\/\/postgres:[0-9a-f]{64}@127\.0\.0\.1:\d+\/postgres$/);
      const store = await createStore(first.url, { poolSize: 4 });
      const flow = await store.createFlow({ name: 'survives', description: null, graph: TRIGGER_GRAPH });
      await store.close();
      await first.stop();
      await first.stop();

      const second = await startEmbeddedPostgres(dataDir);
      try {
        expect(second.timings.initialised).toBe(false);
        const reopened = await createStore(second.url, { poolSize: 2 });
        await expect(reopened.getFlow(flow.id)).resolves.toEqual(flow);
        await reopened.close();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
