/**
 * Shadow replay (docs/replay.md, docs/rest-api.md#replays) against the
 * PostgreSQL server and PGlite: recorded events run again through a draft
 * or a version, in the background, without effects; the summary, the counts
 * per node and per edge, one event side by side; isolation (nothing but the
 * replay's own rows is written, no http call, no broker message, no run
 * metric); the bounds; selection by q, from and to; refusals that write
 * nothing and no 5xx for hostile input.
 */
import { randomUUID } from 'node:crypto';
import type {
  ErrorBody, FlowDto, FlowGraph, ReplayDto, ReplayEventDetail, ReplayListItem, ReplayStartedDto, RunState,
} from '@sluice/contracts';
import { createDataSource, createStore } from '@sluice/store';
import { undoThrough } from '../support/migrations';
import { createTestDatabase } from '../support/databases';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

/** trigger → big (amount > threshold) → yes: call (http to the target) → done; no: skip (ignore). */
function orderGraph(url: string, threshold: number, extra: { nodes?: FlowGraph['nodes']; edges?: FlowGraph['edges'] } = {}): FlowGraph {
  return graph(
    [
      node('in', 'trigger'),
      node('big', 'filter', { condition: `event.amount > ${threshold}` }),
      node('call', 'http', { url: `${url}/orders`, method: 'POST', body: 'event', timeoutMs: 2000, retry: { maxAttempts: 1 } }),
      node('done', 'end'),
      node('skip', 'ignore'),
      ...(extra.nodes ?? []),
    ],
    [edge('in', 'big'), edge('big', 'call', 'yes'), edge('call', 'done'), edge('big', 'skip', 'no'), ...(extra.edges ?? [])],
  );
}

/** The tables a replay must never write to. */
const RECORD_TABLES = ['runs', 'history', 'dead_letters', 'outbox', 'step_deliveries', 'timers', 'publish_chains'] as const;

/** Metrics of real runs: runs started and finished, steps, retries, dead letters. */
const RUN_METRICS = /^sluice_(runs_|step_|retries_|dead_letters_)/;

describe.each(['server', 'pglite'] as const)('shadow replay on %s', (mode) => {
  const suite = sluiceSuite(mode);
  let flow: FlowDto;
  /** The 20 recorded runs, by amount (10, 20 … 200), started one after the other. */
  const runs = new Map<number, RunState>();

  const start = (flowId: string, body: unknown) => suite.api.request<ReplayStartedDto & ErrorBody>('POST', `/api/flows/${flowId}/replays`, body);

  /** Starts a replay that must be accepted and waits for it to end. */
  async function replay(flowId: string, body: unknown, timeoutMs = 60_000): Promise<ReplayDto> {
    const started = await start(flowId, body);
    if (started.status !== 202) throw new Error(`POST replays: ${started.status} ${JSON.stringify(started.body)}`);
    return finished(started.body.id, timeoutMs);
  }

  async function finished(id: string, timeoutMs = 60_000): Promise<ReplayDto> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await suite.api.request<ReplayDto>('GET', `/api/replays/${id}`);
      if (response.status !== 200) throw new Error(`GET replay: ${response.status} ${JSON.stringify(response.body)}`);
      if (response.body.status !== 'running') return response.body;
      if (Date.now() > deadline) throw new Error(`replay ${id} still running after ${timeoutMs} ms: ${JSON.stringify(response.body.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const detail = async (replayId: string, runId: string): Promise<ReplayEventDetail> => {
    const response = await suite.api.request<ReplayEventDetail>('GET', `/api/replays/${replayId}/events/${runId}`);
    if (response.status !== 200) throw new Error(`GET replay event: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  const replayRows = async (): Promise<{ replays: number; events: number }> =>
    ({ replays: await suite.sluice.count('replays'), events: await suite.sluice.count('replay_events') });

  async function recordTables(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of RECORD_TABLES) counts[table] = await suite.sluice.count(table);
    return counts;
  }

  async function runMetrics(): Promise<string[]> {
    const response = await suite.api.request<string>('GET', '/metrics');
    return response.body.split('\n').filter((line) => RUN_METRICS.test(line));
  }

  async function outboxDrained(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await suite.sluice.count('outbox')) > 0) {
      if (Date.now() > deadline) throw new Error('the outbox did not drain');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    suite.target.respond((request) => ({ status: 200, body: { echoed: (request.body as { amount?: number }).amount } }));
    flow = await suite.api.createFlow('orders', orderGraph(suite.target.url, 100));
    for (let amount = 10; amount <= 200; amount += 10) {
      const { runId } = await suite.api.trigger(flow.id, { amount, orderId: `o-${amount}` });
      runs.set(amount, await suite.api.waitForRun(runId));
    }
    await outboxDrained();
  });

  const runOf = (amount: number): RunState => {
    const run = runs.get(amount);
    if (!run) throw new Error(`no run of amount ${amount}`);
    return run;
  };

  it('replays a draft whose filter threshold changed: summary, counts per node and per edge, and an event side by side', async () => {
    expect(runOf(60).status).toBe('ignored');
    expect(runOf(150).status).toBe('succeeded');

    const done = await replay(flow.id, { graph: orderGraph(suite.target.url, 50), limit: 20 });

    expect(done).toMatchObject({
      flowId: flow.id, status: 'succeeded', error: null, subject: { draft: true },
      request: { limit: 20, from: null, to: null, q: null }, progress: { done: 20, total: 20 },
      // 60 … 100 now take `yes`, and `call` has no recorded response for them: it fails, and so do they.
      summary: { events: 20, changed: 5, failed: 5, unchanged: 15 },
    });
    expect(done.finishedAt).toEqual(expect.any(String));
    expect(done.nodes).toEqual([
      { nodeId: 'in', reachedBefore: 20, reachedAfter: 20, outputsChanged: 0, nowFail: 0, nowSucceed: 0 },
      { nodeId: 'big', reachedBefore: 20, reachedAfter: 20, outputsChanged: 5, nowFail: 0, nowSucceed: 0 },
      { nodeId: 'call', reachedBefore: 10, reachedAfter: 15, outputsChanged: 0, nowFail: 5, nowSucceed: 0 },
      { nodeId: 'done', reachedBefore: 10, reachedAfter: 10, outputsChanged: 0, nowFail: 0, nowSucceed: 0 },
      { nodeId: 'skip', reachedBefore: 10, reachedAfter: 5, outputsChanged: 0, nowFail: 0, nowSucceed: 0 },
    ]);
    expect(done.edges).toEqual([
      { edgeId: 'in-out-big', source: 'in', target: 'big', sourceHandle: null, takenBefore: 20, takenAfter: 20 },
      { edgeId: 'big-yes-call', source: 'big', target: 'call', sourceHandle: 'yes', takenBefore: 10, takenAfter: 15 },
      { edgeId: 'call-out-done', source: 'call', target: 'done', sourceHandle: null, takenBefore: 10, takenAfter: 10 },
      { edgeId: 'big-no-skip', source: 'big', target: 'skip', sourceHandle: 'no', takenBefore: 10, takenAfter: 5 },
    ]);
    // Changed first (newest run first among them), then the rest in input order, newest first.
    const newestFirst = (amounts: number[]) => amounts.sort((a, b) => b - a).map((amount) => runOf(amount).id);
    expect(done.events.map((event) => event.runId)).toEqual([
      ...newestFirst([60, 70, 80, 90, 100]),
      ...newestFirst([10, 20, 30, 40, 50, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]),
    ]);
    expect(done.events[0]).toEqual({
      runId: runOf(100).id, eventId: runOf(100).eventId, flowVersion: 1, startedAt: runOf(100).startedAt, changed: true, pathChanged: true,
      outputsChanged: ['big'], statusBefore: 'ignored', statusAfter: 'failed', failedNodes: ['call'],
    });

    const changed = await detail(done.id, runOf(60).id);
    expect(changed).toMatchObject({
      runId: runOf(60).id, payload: { amount: 60, orderId: 'o-60' }, changed: true,
      original: {
        status: 'ignored', path: ['in-out-big', 'big-no-skip'],
        nodes: { big: { status: 'succeeded', handle: 'no', output: { amount: 60, orderId: 'o-60' } }, skip: { status: 'succeeded' }, call: { status: 'skipped' } },
      },
      replayed: {
        status: 'failed', path: ['in-out-big', 'big-yes-call'], publishes: [], delays: [],
        nodes: {
          big: { status: 'succeeded', handle: 'yes' },
          call: { status: 'dead', error: { code: 'no_recorded_response', retryable: false } },
          skip: { status: 'skipped' },
        },
      },
    });
    const same = await detail(done.id, runOf(150).id);
    expect(same.changed).toBe(false);
    expect(same.replayed.nodes['call']).toEqual(same.original.nodes['call']);
    expect(same.original.nodes['call']).toMatchObject({ status: 'succeeded', output: { status: 200, body: { echoed: 150 } } });
  });

  it('writes nothing but its own rows: no run, history, dead letter, outbox row, delivery, timer, chain, run metric or http call', async () => {
    const topic = `replayed-${randomUUID().slice(0, 8)}.placed`;
    const subscriber = await suite.api.createFlow('subscriber', graph([node('in', 'subscribe', { topic }), node('done', 'end')], [edge('in', 'done')]));
    await outboxDrained();
    const tables = await recordTables();
    const metrics = await runMetrics();
    const requests = suite.target.requests.length;
    const draft = orderGraph(suite.target.url, 0, {
      nodes: [
        node('audit', 'http', { url: `${suite.target.url}/audit`, method: 'POST', body: 'event' }),
        node('wait', 'delay', { ms: 3_600_000 }),
        node('tell', 'publish', { topic }),
      ],
      edges: [edge('in', 'audit'), edge('audit', 'wait'), edge('wait', 'tell')],
    });

    const done = await replay(flow.id, { graph: draft, limit: 20, stubs: { audit: { status: 201, body: { audited: true } } } });

    expect(done.summary).toEqual({ events: 20, changed: 20, failed: 10, unchanged: 0 });
    const event = await detail(done.id, runOf(30).id);
    expect(event.replayed.nodes['audit']).toEqual({ status: 'succeeded', handle: null, output: { status: 201, headers: {}, body: { audited: true } } });
    expect(event.replayed.delays).toEqual([{ nodeId: 'wait', ms: 3_600_000 }]);
    expect(event.replayed.publishes).toEqual([{ nodeId: 'tell', topic, payload: { status: 201, headers: {}, body: { audited: true } } }]);
    expect(event.replayed.nodes['tell']).toMatchObject({ status: 'succeeded', output: { topic, eventId: `${runOf(30).id}:tell` } });

    await expect(recordTables()).resolves.toEqual(tables);
    expect(tables['outbox']).toBe(0);
    await expect(runMetrics()).resolves.toEqual(metrics);
    expect(suite.target.requests.length).toBe(requests);
    const subscribed = await suite.api.request<{ items: RunState[] }>('GET', `/api/runs?flowId=${subscriber.id}`);
    expect(subscribed.body.items).toEqual([]);
  });

  it('selects the events by q, by from and to, and the newest by limit', async () => {
    const byQuery = await replay(flow.id, { graph: orderGraph(suite.target.url, 100), q: 'amount >= 150 and orderId != "o-170"' });
    expect(byQuery).toMatchObject({ status: 'succeeded', request: { limit: 100, q: 'amount >= 150 and orderId != "o-170"' }, progress: { done: 5, total: 5 } });
    expect(byQuery.events.map((event) => event.runId)).toEqual([200, 190, 180, 160, 150].map((amount) => runOf(amount).id));
    expect(byQuery.summary).toEqual({ events: 5, changed: 0, failed: 0, unchanged: 5 });

    const from = runOf(50).startedAt;
    const to = runOf(80).startedAt;
    const byTime = await replay(flow.id, { version: 1, from, to });
    const inRange = [...runs.values()].filter((run) => run.startedAt >= from && run.startedAt <= to);
    expect(inRange.length).toBeGreaterThanOrEqual(4);
    expect(byTime).toMatchObject({ subject: { version: 1 }, request: { from, to }, summary: { events: inRange.length, changed: 0 } });
    expect(new Set(byTime.events.map((event) => event.runId))).toEqual(new Set(inRange.map((run) => run.id)));

    const newest = await replay(flow.id, { version: 1, limit: 3 });
    const listed = await suite.api.request<{ items: RunState[] }>('GET', `/api/runs?flowId=${flow.id}&limit=3`);
    expect(newest.events.map((event) => event.runId)).toEqual(listed.body.items.map((run) => run.id));
  });

  it('replays a saved version by number, and refuses a version the flow does not have', async () => {
    const saved = await suite.api.request<FlowDto>('PUT', `/api/flows/${flow.id}`, { graph: orderGraph(suite.target.url, 190) });
    expect(saved.body.version).toBe(2);

    const done = await replay(flow.id, { version: 2, limit: 20 });
    // 110 … 190 took `yes` under version 1 and take `no` under version 2.
    expect(done).toMatchObject({ subject: { version: 2 }, summary: { events: 20, changed: 9, failed: 0, unchanged: 11 } });
    expect(done.events.slice(0, 9).map((event) => [event.statusBefore, event.statusAfter])).toEqual(Array(9).fill(['succeeded', 'ignored']));

    const missing = await start(flow.id, { version: 3 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('holds to its bounds: limit 10,000 at most, and one replay per flow at a time', async () => {
    const many = await suite.api.createFlow('many', graph([node('in', 'trigger'), node('done', 'end')], [edge('in', 'done')]));
    const triggered: Promise<unknown>[] = [];
    for (let n = 0; n < 1000; n++) {
      triggered.push(suite.api.trigger(many.id, { n }));
      if (triggered.length === 50) await Promise.all(triggered.splice(0));
    }
    await Promise.all(triggered);

    const tooMany = await start(many.id, { version: 1, limit: 10_001 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('validation_failed');

    const first = await start(many.id, { version: 1, limit: 10_000 });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ id: expect.any(String), status: 'running', progress: { done: 0, total: 1000 } });
    const second = await start(many.id, { version: 1, limit: 10 });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'replay_running', details: { replayId: first.body.id } });

    const ended = await finished(first.body.id);
    expect(ended).toMatchObject({ status: 'succeeded', progress: { done: 1000, total: 1000 }, summary: { events: 1000, changed: 0 } });
    expect(ended.events).toHaveLength(1000);
    await expect(replay(many.id, { version: 1, limit: 10 })).resolves.toMatchObject({ status: 'succeeded', summary: { events: 10 } });
  });

  it('lists a flow\'s replays newest first and keeps the last 20', async () => {
    const small = await suite.api.createFlow('small', graph([node('in', 'trigger'), node('done', 'end')], [edge('in', 'done')]));
    await suite.api.trigger(small.id, { n: 1 });
    const ids: string[] = [];
    for (let n = 0; n < 21; n++) ids.push((await replay(small.id, { version: 1, limit: 1 })).id);

    const listed = await suite.api.request<{ items: ReplayListItem[] }>('GET', `/api/flows/${small.id}/replays`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item) => item.id)).toEqual(ids.slice(1).reverse());
    expect(listed.body.items[0]).toEqual({
      id: ids[20], status: 'succeeded', progress: { done: 1, total: 1 }, summary: { events: 1, changed: 0, failed: 0, unchanged: 1 },
      createdAt: expect.any(String), finishedAt: expect.any(String), subject: { version: 1 },
    });
    const oldest = await suite.api.request<ErrorBody>('GET', `/api/replays/${ids[0]}`);
    expect(oldest.status).toBe(404);
    await expect(suite.sluice.sql('SELECT count(*)::int AS n FROM replay_events WHERE replay_id = $1', [ids[0]])).resolves.toEqual([{ n: 0 }]);
  });

  it('fails a replay left running by a process that stopped, once it has not progressed for a while', async () => {
    const idle = await suite.api.createFlow('idle', graph([node('in', 'trigger'), node('done', 'end')], [edge('in', 'done')]));
    const [stale] = await suite.sluice.sql<{ id: string }>(
      `INSERT INTO replays (flow_id, status, request, progress_total, summary, updated_at)
       VALUES ($1, 'running', '{"limit":1,"from":null,"to":null,"q":null}', 1, '{"events":0,"changed":0,"failed":0,"unchanged":0}', now() - interval '5 minutes')
       RETURNING id`, [idle.id]);
    const blocked = await start(idle.id, { version: 1 });
    expect(blocked.status).toBe(409);

    await suite.sluice.platform.runtime.replayJobs.sweep();

    const swept = await suite.api.request<ReplayDto>('GET', `/api/replays/${stale!.id}`);
    expect(swept.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted/), finishedAt: expect.any(String) });
    await expect(replay(idle.id, { version: 1 })).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('refuses bad input with the code that says what is wrong, and writes nothing', async () => {
    const draft = orderGraph(suite.target.url, 50);
    const before = await replayRows();
    const cases: [string, unknown, number, string][] = [
      ['not an object', [draft], 400, 'validation_failed'],
      ['neither graph nor version', { limit: 5 }, 400, 'validation_failed'],
      ['both graph and version', { graph: draft, version: 1 }, 400, 'validation_failed'],
      ['limit 0', { version: 1, limit: 0 }, 400, 'validation_failed'],
      ['limit not a number', { version: 1, limit: '10' }, 400, 'validation_failed'],
      ['an unknown field', { version: 1, dryRun: true }, 400, 'validation_failed'],
      ['a time that is no time', { version: 1, from: 'yesterday' }, 400, 'validation_failed'],
      ['a day that does not exist', { version: 1, to: '2026-02-30T00:00:00Z' }, 400, 'validation_failed'],
      ['year 0', { version: 1, from: '0000-01-01T00:00:00Z' }, 400, 'validation_failed'],
      ['from after to', { version: 1, from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 400, 'validation_failed'],
      ['a version past int4', { version: 2 ** 31 }, 400, 'validation_failed'],
      ['a graph without nodes', { graph: { edges: [] } }, 400, 'validation_failed'],
      ['a stub past 64 KiB', { version: 1, stubs: { call: { body: 'x'.repeat(64 * 1024) } } }, 400, 'validation_failed'],
      ['a stub status out of range', { version: 1, stubs: { call: { status: 42 } } }, 400, 'validation_failed'],
      ['a stub with an unknown field', { version: 1, stubs: { call: { latencyMs: 5 } } }, 400, 'validation_failed'],
      ['a q with a lone surrogate', { version: 1, q: 'amount = "\ud800"' }, 400, 'validation_failed'],
      ['a q that does not parse', { version: 1, q: 'amount >' }, 400, 'invalid_query'],
      ['an invalid draft', { graph: graph([node('big', 'filter', { condition: 'x' })], []) }, 422, 'invalid_graph'],
      ['a draft with a cycle', { graph: graph([node('in', 'trigger'), node('a', 'end'), node('b', 'transform', { expression: '1' })], [edge('in', 'b'), edge('b', 'b')]) }, 422, 'invalid_graph'],
      ['a version the flow does not have', { version: 99 }, 404, 'not_found'],
    ];
    for (const [name, body, status, code] of cases) {
      const response = await start(flow.id, body);
      expect({ name, status: response.status, code: response.body?.error?.code }).toEqual({ name, status, code });
    }
    const unknown = await start(randomUUID(), { version: 1 });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    const notAnId = await start('not-a-uuid', { version: 1 });
    expect([notAnId.status, notAnId.body.error.code]).toEqual([404, 'not_found']);
    const noContentType = await suite.api.request<ErrorBody>('POST', `/api/flows/${flow.id}/replays`, JSON.stringify({ version: 1 }), { 'content-type': 'text/plain' });
    expect([noContentType.status, noContentType.body.error.code]).toEqual([415, 'unsupported_media_type']);
    await expect(replayRows()).resolves.toEqual(before);

    for (const path of [`/api/replays/${randomUUID()}`, '/api/replays/nope', `/api/replays/${randomUUID()}/events/${randomUUID()}`, `/api/flows/${randomUUID()}/replays`]) {
      const response = await suite.api.request<ErrorBody>('GET', path);
      expect({ path, status: response.status, code: response.body.error.code }).toEqual({ path, status: 404, code: 'not_found' });
    }
  });

  it('never answers 5xx to hostile input', async () => {
    const deep = (levels: number): unknown => (levels === 0 ? 1 : { d: deep(levels - 1) });
    const hugeGraph = graph(
      [node('in', 'trigger'), ...Array.from({ length: 600 }, (_, index) => node(`n${index}`, 'end'))],
      Array.from({ length: 600 }, (_, index) => edge('in', `n${index}`)),
    );
    const hostile: unknown[] = [
      { graph: hugeGraph },
      { graph: { nodes: [{ id: 'in', type: 'trigger', position: { x: 0, y: 0 }, data: deep(200) }], edges: [] } },
      { graph: { nodes: [{ id: 'in', type: 'trigger', position: { x: 0, y: 0 }, data: deep(55) }], edges: [] } },
      { version: 1, q: 'amount = "a\u0000b"' },
      { version: 1, stubs: { call: { body: 'x'.repeat(2 * 1024 * 1024) } } },
      '{"version": 1, "limit": 1, "stubs": {"__proto__": {"status": 500}, "constructor": {"body": null}}}',
      { graph: orderGraph(suite.target.url, 50), q: 'amount = 60', stubs: { call: { headers: { 'x-\ud800': '\udfff' }, body: '\ud800' } } },
      { version: 1, q: '$sort([1..1e9])', limit: 1 },
      { version: 1, q: '($f := function($n) { $f($n) + 1 }; $f(0))', limit: 1 },
      { version: 1.5 },
      { version: 1, limit: 1e308 },
      { version: 1, from: '9999-12-31T23:59:59.999-14:00' },
      { version: 1, from: '2026-01-01T00:00:00.123456789Z', limit: 1 },
    ];
    for (const body of hostile) {
      const response = await start(flow.id, body);
      const name = (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 120);
      expect({ name, below500: response.status < 500 }).toEqual({ name, below500: true });
      if (response.status === 202) {
        const done = await finished(response.body.id);
        expect({ name, status: done.status, error: done.error }).toEqual({ name, status: 'succeeded', error: null });
      }
    }
    const raw = await suite.api.request<ErrorBody>('POST', `/api/flows/${flow.id}/replays`, '{"version": 1, "q": "a\\u0000"}');
    expect([raw.status, raw.body.error.code]).toEqual([400, 'unsupported_character']);
  });

  it('fails the replays of a process that stops, at once, and any asked for while it stops (last: it stops this one\'s)', async () => {
    const busy = await suite.api.createFlow('busy', graph([node('in', 'trigger'), node('done', 'end')], [edge('in', 'done')]));
    const triggered: Promise<unknown>[] = [];
    for (let n = 0; n < 400; n++) {
      triggered.push(suite.api.trigger(busy.id, { n }));
      if (triggered.length === 50) await Promise.all(triggered.splice(0));
    }
    await Promise.all(triggered);
    const running = await start(busy.id, { version: 1, limit: 400 });
    expect(running.status).toBe(202);

    await suite.sluice.platform.runtime.replayJobs.stop();

    const stopped = await suite.api.request<ReplayDto>('GET', `/api/replays/${running.body.id}`);
    expect(stopped.body).toMatchObject({ status: 'failed', error: 'interrupted: the process running the replay stopped' });
    expect(stopped.body.progress.done).toBeLessThan(400);
    const late = await start(busy.id, { version: 1, limit: 1 });
    expect(late.status).toBe(202);
    await expect(finished(late.body.id)).resolves.toMatchObject({ status: 'failed', error: 'interrupted: the process running the replay stopped' });
  });

  it('is made by its own migration, which can be undone', async () => {
    const fresh = await createTestDatabase(mode);
    const migrator = createDataSource(fresh.url, { poolSize: 1 });
    const tables = async (): Promise<string[]> =>
      (await migrator.query<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'replay%' ORDER BY table_name`))
        .map((row) => row.table_name);
    try {
      await (await createStore(fresh.url, { poolSize: 1 })).close();
      await migrator.initialize();
      await expect(tables()).resolves.toEqual(['replay_events', 'replays']);
      await undoThrough(migrator, 'Replays1767916800000');
      await expect(tables()).resolves.toEqual([]);
      await (await createStore(fresh.url, { poolSize: 1 })).close();
      await expect(tables()).resolves.toEqual(['replay_events', 'replays']);
    } finally {
      if (migrator.isInitialized) await migrator.destroy();
      await fresh.drop();
    }
  });
});
