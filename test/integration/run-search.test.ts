/**
 * Run search (docs/rest-api.md#searching-runs) against the PostgreSQL server
 * and PGlite: search keys indexed in the commit that starts a run, however it
 * starts, and looked up newest first a page at a time; `q` scanned within
 * its bounds, with a cursor that goes on where a scan stopped; refusals that
 * name what is wrong; and searches that write nothing.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorBody, FlowGraph, Page, RunQueryPage, RunState, SearchKey } from '@sluice/contracts';
import type { RunWrite } from '@sluice/runtime';
import { createDataSource, createStore } from '@sluice/store';
import { bulkRunsSql } from '../support/bulk-runs';
import { undoThrough } from '../support/migrations';
import { createTestDatabase } from '../support/databases';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

const ORDER_KEYS: SearchKey[] = [
  { name: 'orderId', expression: 'orderId' },
  { name: 'email', expression: 'customer.email' },
  { name: 'sku', expression: 'items.sku' },
];

/** trigger (declaring `keys`) → end */
function keyedFlow(keys: SearchKey[] = ORDER_KEYS): FlowGraph {
  return graph([node('in', 'trigger', keys.length > 0 ? { searchKeys: keys } : {}), node('done', 'end')], [edge('in', 'done')]);
}

describe.each(['server', 'pglite'] as const)('run search on %s', (mode) => {
  const suite = sluiceSuite(mode);

  const get = <T = Page<RunState>>(query: string) => suite.api.request<T>('GET', `/api/runs?${query}`);
  /** A successful search answer, or a failure that shows what came back. */
  async function found<T extends Page<RunState> = Page<RunState>>(query: string): Promise<T> {
    const response = await get<T>(query);
    if (response.status !== 200) throw new Error(`GET /api/runs?${query}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }
  const ids = (page: Page<RunState>): string[] => page.items.map((run) => run.id);
  const keyRows = (runId: string) => suite.sluice.sql<{ name: string; value: string }>(
    'SELECT name, value FROM run_search_keys WHERE run_id = $1 ORDER BY name, value', [runId]);

  /** Every page of a search, following `nextCursor`; `q` pages also report what they scanned. */
  async function allPages(query: string): Promise<{ ids: string[]; pages: RunQueryPage[] }> {
    const pages: RunQueryPage[] = [];
    let cursor: string | null = null;
    do {
      const page: RunQueryPage = await found<RunQueryPage>(`${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      pages.push(page);
      cursor = page.nextCursor ?? null;
    } while (cursor !== null && pages.length < 50);
    return { ids: pages.flatMap(ids), pages };
  }

  describe('search keys', () => {
    it('indexes the declared keys of a run started over REST in the commit that answers 202, and finds it by each', async () => {
      const flow = await suite.api.createFlow('orders by key', keyedFlow());
      const a17 = await suite.api.trigger(flow.id, { orderId: 'A-17', customer: { email: 'ada@example.com' }, items: [{ sku: 'S1' }, { sku: 'S2' }] });
      const a18 = await suite.api.trigger(flow.id, { orderId: 'A-18', customer: { email: 'bob@example.com' }, items: [{ sku: 'S2' }] });
      const numeric = await suite.api.trigger(flow.id, { orderId: 17, customer: null });

      await expect(keyRows(a17.runId)).resolves.toEqual([
        { name: 'email', value: 'ada@example.com' }, { name: 'orderId', value: 'A-17' }, { name: 'sku', value: 'S1' }, { name: 'sku', value: 'S2' },
      ]);
      await expect(keyRows(numeric.runId)).resolves.toEqual([{ name: 'orderId', value: '17' }]);
      const [run] = await suite.sluice.sql<{ same: boolean }>(
        'SELECT bool_and(k.started_at = r.started_at AND k.flow_id = r.flow_id) AS same FROM run_search_keys k JOIN runs r ON r.id = k.run_id WHERE r.id = $1', [a17.runId]);
      expect(run?.same).toBe(true);

      expect(ids(await found(`flowId=${flow.id}&key.orderId=A-17`))).toEqual([a17.runId]);
      expect(ids(await found(`flowId=${flow.id}&key.email=${encodeURIComponent('bob@example.com')}`))).toEqual([a18.runId]);
      expect(ids(await found(`flowId=${flow.id}&key.sku=S2`))).toEqual([a18.runId, a17.runId]);
      expect(ids(await found(`flowId=${flow.id}&key.orderId=17`))).toEqual([numeric.runId]);
      expect(ids(await found(`flowId=${flow.id}&key.orderId=A-1`))).toEqual([]);
      const page = await found(`flowId=${flow.id}&key.orderId=A-17`);
      expect(page.items[0]).toMatchObject({ id: a17.runId, payload: { orderId: 'A-17' }, status: 'succeeded' });
      expect(page.nextCursor).toBeNull();
      expect(ids(await found(`flowId=${flow.id}&key.orderId=A-17&status=succeeded`))).toEqual([a17.runId]);
      expect(ids(await found(`flowId=${flow.id}&key.orderId=A-17&status=failed`))).toEqual([]);
    });

    it('indexes the keys of runs started by a topic event and by another flow\'s publish step', async () => {
      const topic = `orders-${randomUUID().slice(0, 8)}.placed`;
      const subscriber = await suite.api.createFlow('subscriber with keys', graph(
        [node('in', 'subscribe', { topic, searchKeys: [{ name: 'orderId', expression: 'orderId' }] }), node('done', 'end')], [edge('in', 'done')]));
      const publisher = await suite.api.createFlow('publisher', graph(
        [node('in', 'trigger'), node('out', 'publish', { topic })], [edge('in', 'out')]));

      const event = await suite.api.request<{ runIds: string[] }>('POST', `/api/topics/${topic}/events`, { orderId: 'T-1' });
      expect(event.status).toBe(202);
      const byTopic = await found(`flowId=${subscriber.id}&key.orderId=T-1`);
      expect(ids(byTopic)).toEqual(event.body.runIds);
      expect(byTopic.items[0]).toMatchObject({ source: 'topic', topic });

      const parent = await suite.api.trigger(publisher.id, { orderId: 'P-1' });
      await suite.api.waitForRun(parent.runId);
      const deadline = Date.now() + 10_000;
      let byPublish = await found(`flowId=${subscriber.id}&key.orderId=P-1`);
      while (byPublish.items.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        byPublish = await found(`flowId=${subscriber.id}&key.orderId=P-1`);
      }
      expect(byPublish.items).toEqual([expect.objectContaining({ source: 'publish', parentRunId: parent.runId, payload: { orderId: 'P-1' } })]);
    });

    it('pages a lookup newest first with the runs list\'s cursor, a page at a time', async () => {
      const flow = await suite.api.createFlow('paged keys', keyedFlow());
      const same: string[] = [];
      for (let n = 0; n < 7; n++) {
        same.push((await suite.api.trigger(flow.id, { orderId: 'SAME', n })).runId);
        if (n % 3 === 0) await suite.api.trigger(flow.id, { orderId: 'OTHER', n });
      }
      // The plain list orders by the same keys (started_at, then id, newest first).
      const listed = ids(await found(`flowId=${flow.id}&limit=500`)).filter((id) => same.includes(id));
      expect(listed).toHaveLength(7);

      const { ids: paged, pages } = await allPages(`flowId=${flow.id}&key.orderId=SAME&limit=3`);
      expect(pages.map((page) => page.items.length)).toEqual([3, 3, 1]);
      expect(paged).toEqual(listed);
      expect(pages[2]?.nextCursor).toBeNull();

      const forged = await get<ErrorBody>(`flowId=${flow.id}&key.orderId=SAME&cursor=not-a-cursor`);
      expect(forged.status).toBe(400);
      expect(forged.body.error.code).toBe('validation_failed');
    });

    it('writes no index rows for a new run that is not inserted (its event already started a run of the flow)', async () => {
      const flow = await suite.api.createFlow('duplicate event', keyedFlow());
      const eventId = randomUUID();
      const write = (orderId: string): RunWrite => {
        const id = randomUUID();
        const at = new Date().toISOString();
        const state: RunState = {
          id, flowId: flow.id, flowVersion: 1, eventId, status: 'running', payload: { orderId }, source: 'topic', steps: [],
          startedAt: at, updatedAt: at, lastSeq: 1,
        };
        return {
          state,
          events: [{ runId: id, seq: 1, type: 'RunStarted', at, data: { flowId: flow.id, flowVersion: 1, eventId, payload: { orderId }, source: 'topic' } }],
          searchKeys: [{ name: 'orderId', value: orderId }],
        };
      };
      const first = write('D-1');
      const again = write('D-2');
      const { store } = suite.sluice.platform;
      await expect(store.commitNewRuns({ inserts: [first] })).resolves.toEqual(new Set([first.state.id]));
      await expect(store.commitNewRuns({ inserts: [again] })).resolves.toEqual(new Set());

      await expect(keyRows(first.state.id)).resolves.toEqual([{ name: 'orderId', value: 'D-1' }]);
      await expect(keyRows(again.state.id)).resolves.toEqual([]);
      expect(ids(await found(`flowId=${flow.id}&key.orderId=D-2`))).toEqual([]);
    });

    it('still finds the runs of an archived flow by its keys', async () => {
      const flow = await suite.api.createFlow('archived keys', keyedFlow());
      const { runId } = await suite.api.trigger(flow.id, { orderId: 'ARC-1' });
      expect((await suite.api.request('DELETE', `/api/flows/${flow.id}`)).status).toBe(204);
      expect(ids(await found(`flowId=${flow.id}&key.orderId=ARC-1`))).toEqual([runId]);
      expect((await get<ErrorBody>(`flowId=${flow.id}&key.nope=1`)).body.error.code).toBe('invalid_query');
    });

    it('refuses a key the flow does not declare with 400 invalid_query, naming the keys it declares', async () => {
      const flow = await suite.api.createFlow('declared keys', keyedFlow());
      const unknown = await get<ErrorBody>(`flowId=${flow.id}&key.customerId=C-1`);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toEqual({
        code: 'invalid_query',
        message: `Flow ${flow.id} has no search key "customerId"; its search keys are orderId, email, sku`,
        details: { searchKeys: ['orderId', 'email', 'sku'] },
      });

      const bare = await suite.api.createFlow('no keys', keyedFlow([]));
      const none = await get<ErrorBody>(`flowId=${bare.id}&key.orderId=A-1`);
      expect(none.status).toBe(400);
      expect(none.body.error).toMatchObject({ code: 'invalid_query', message: expect.stringMatching(/declares none$/), details: { searchKeys: [] } });

      expect((await get<ErrorBody>(`flowId=${randomUUID()}&key.orderId=A-1`)).status).toBe(404);
    });

    it('refuses a key search without flowId, with two keys, with q beside it, or without a name, with 400 validation_failed', async () => {
      const flow = await suite.api.createFlow('malformed key searches', keyedFlow());
      const cases: [string, string][] = [
        ['key.orderId=A-1', 'flowId'],
        [`flowId=${flow.id}&key.orderId=A-1&key.email=x`, 'key.email'],
        [`flowId=${flow.id}&key.orderId=A-1&q=true`, 'q'],
        [`flowId=${flow.id}&key.=A-1`, 'key.'],
        [`flowId=${flow.id}&key.orderId=A-1&key.orderId=A-2`, 'key.orderId'],
      ];
      for (const [query, path] of cases) {
        const response = await get<ErrorBody & { error: { details: { issues: { path: string }[] } } }>(query);
        expect([query, response.status, response.body.error.code]).toEqual([query, 400, 'validation_failed']);
        expect(response.body.error.details.issues.map((issue) => issue.path)).toContain(path);
      }
    });
  });

  describe('payload search (q)', () => {
    it('finds the runs whose payload q holds for, newest first, combined with status', async () => {
      const flow = await suite.api.createFlow('orders by q', keyedFlow([]));
      const small = await suite.api.trigger(flow.id, { orderId: 'A-16', amount: 50 });
      const a17 = await suite.api.trigger(flow.id, { orderId: 'A-17', amount: 150 });
      const a18 = await suite.api.trigger(flow.id, { orderId: 'A-18', amount: 250, tags: ['vip'] });
      await suite.api.trigger(flow.id, ['not', 'an', 'object']);

      const exact = await found<RunQueryPage>(`flowId=${flow.id}&q=${encodeURIComponent('orderId = "A-17"')}`);
      expect(exact).toMatchObject({ scanned: 4, complete: true, nextCursor: null });
      expect(ids(exact)).toEqual([a17.runId]);
      expect(ids(await found(`flowId=${flow.id}&q=${encodeURIComponent('amount > 100')}`))).toEqual([a18.runId, a17.runId]);
      expect(ids(await found(`flowId=${flow.id}&q=${encodeURIComponent('"vip" in tags')}`))).toEqual([a18.runId]);
      expect(ids(await found(`flowId=${flow.id}&q=${encodeURIComponent('amount < 100')}&status=succeeded`))).toEqual([small.runId]);
      expect(ids(await found(`flowId=${flow.id}&q=${encodeURIComponent('amount < 100')}&status=failed`))).toEqual([]);
      // Truthiness as a filter reads it: a q that gives an object, an empty array or nothing is no match.
      expect(ids(await found(`flowId=${flow.id}&q=${encodeURIComponent('tags')}`))).toEqual([a18.runId]);
      expect(ids(await found(`flowId=${flow.id}&q=${encodeURIComponent('nothing.here')}`))).toEqual([]);
    });

    it('ends a page at `limit` matches, and its cursor goes on with the scan', async () => {
      const flow = await suite.api.createFlow('q pages', keyedFlow([]));
      const started: string[] = [];
      for (let n = 0; n < 5; n++) started.push((await suite.api.trigger(flow.id, { n })).runId);
      const listed = ids(await found(`flowId=${flow.id}`));

      const { ids: matched, pages } = await allPages(`flowId=${flow.id}&q=${encodeURIComponent('n % 2 = 0')}&limit=2`);
      expect(matched).toEqual(listed.filter((id) => [0, 2, 4].includes(started.indexOf(id))));
      expect(pages[0]).toMatchObject({ complete: false, nextCursor: expect.any(String) });
      expect(pages[0]?.items).toHaveLength(2);
      expect(pages[pages.length - 1]).toMatchObject({ complete: true, nextCursor: null });
      expect(pages.reduce((sum, page) => sum + page.scanned, 0)).toBe(5);
    });

    it('examines at most 5,000 runs per request, and the cursor it answers finds the matches further back', async () => {
      const flow = await suite.api.createFlow('many runs', keyedFlow([]));
      await suite.sluice.sql(bulkRunsSql(5200), [flow.id]);
      const { pages } = await allPages(`flowId=${flow.id}&q=${encodeURIComponent('n % 1000 = 0 or n = 7')}&limit=500`);

      expect(pages[0]).toMatchObject({ complete: false, nextCursor: expect.any(String) });
      for (const page of pages) expect(page.scanned).toBeLessThanOrEqual(5000);
      expect(pages.reduce((sum, page) => sum + page.scanned, 0)).toBe(5200);
      expect(pages[pages.length - 1]).toMatchObject({ complete: true, nextCursor: null });
      const found = pages.flatMap((page) => page.items.map((run) => (run.payload as { n: number }).n));
      expect(found).toEqual([5000, 4000, 3000, 2000, 1000, 7]);
    });

    it('stops a request after about 2 s of scanning, counting a q that times out on a run as no match', async () => {
      const flow = await suite.api.createFlow('slow q', keyedFlow([]));
      await suite.sluice.sql(bulkRunsSql(30), [flow.id]);
      // Tail recursion that JSONata runs as a loop: only the time limit of one run ends it.
      const spin = '($f := function($n) { $n = 0 ? true : $f($n - 1) }; $f(100000000))';
      const page = await found<RunQueryPage>(`flowId=${flow.id}&q=${encodeURIComponent(spin)}`);
      expect(page.items).toEqual([]);
      expect(page.complete).toBe(false);
      expect(page.scanned).toBeGreaterThan(0);
      expect(page.scanned).toBeLessThan(30);
      expect(page.nextCursor).toEqual(expect.any(String));
    });

    it('refuses a q that does not parse with 400 invalid_query and the parse error, and a q past 1,000 characters or without flowId with 400 validation_failed', async () => {
      const flow = await suite.api.createFlow('bad q', keyedFlow([]));
      const unparsable = await get<ErrorBody>(`flowId=${flow.id}&q=${encodeURIComponent('orderId = ')}`);
      expect(unparsable.status).toBe(400);
      expect(unparsable.body.error).toMatchObject({ code: 'invalid_query', message: expect.stringMatching(/^q is not valid JSONata: /), details: { problem: expect.any(String) } });

      const long = await get<ErrorBody>(`flowId=${flow.id}&q=${encodeURIComponent(`"${'x'.repeat(999)}"`)}`);
      expect([long.status, long.body.error.code]).toEqual([400, 'validation_failed']);
      const alone = await get<ErrorBody>(`q=${encodeURIComponent('true')}`);
      expect([alone.status, alone.body.error.code]).toEqual([400, 'validation_failed']);
      const blank = await get<ErrorBody>(`flowId=${flow.id}&q=%20`);
      expect([blank.status, blank.body.error.code]).toEqual([400, 'validation_failed']);
      expect((await get<ErrorBody>(`flowId=${randomUUID()}&q=true`)).status).toBe(404);
    });
  });

  it('never answers 5xx, whatever the q or key value', async () => {
    const flow = await suite.api.createFlow('hostile searches', keyedFlow());
    await suite.api.trigger(flow.id, { orderId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', customer: { email: 'x@example.com' }, items: [{ sku: 'S' }] });
    const deep = `${'['.repeat(450)}1${']'.repeat(450)}`;
    const queries = [
      'orderId = "\u0000"', '\u0000', `"${'x'.repeat(990)}"`, deep, '$sort([1..1e9])', '[1..1e9]', '$match(orderId, /(a+)+$/)',
      '$eval("1")', '$error("no")', '$pad("", 1000000000)', '"\\ud800" = orderId', '$string($)', '(((', ')', '$'.repeat(1000),
      '**', '$reduce([1..100000], function($a, $b) { $a & $b })', 'orderId ~> $uppercase', '{ "a": 1 }', '[]', 'null',
    ];
    const values = ['\u0000', 'x'.repeat(5000), deep, '%', '', ' ', '{"a":1}', 'null', 'true', '1e400'];
    const paths = [
      ...queries.map((q) => `flowId=${flow.id}&q=${encodeURIComponent(q)}`),
      ...values.map((value) => `flowId=${flow.id}&key.orderId=${encodeURIComponent(value)}`),
      `flowId=${flow.id}&key.${encodeURIComponent('\u0000')}=1`,
      `flowId=${flow.id}&key.${'k'.repeat(2000)}=1`,
      `flowId=${flow.id}&key.orderId=%ED%A0%80`,
      `flowId=${flow.id}&q=%E0%A4%A`,
      `flowId=${flow.id}&q[]=1`,
    ];
    for (const path of paths) {
      const response = await get(path);
      expect([path.slice(0, 120), response.status < 500]).toEqual([path.slice(0, 120), true]);
    }
  });

  it('writes nothing when it searches', async () => {
    const flow = await suite.api.createFlow('read only', keyedFlow());
    await suite.api.trigger(flow.id, { orderId: 'R-1' });
    const snapshot = async () => suite.sluice.sql(
      `SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM history) AS history, (SELECT count(*) FROM run_search_keys) AS keys,
              (SELECT count(*) FROM outbox) AS outbox, (SELECT count(*) FROM timers) AS timers, (SELECT count(*) FROM dead_letters) AS dead_letters,
              (SELECT md5(coalesce(string_agg(id::text || ':' || last_seq || ':' || updated_at::text, ',' ORDER BY id), '')) FROM runs) AS states`);
    const before = await snapshot();
    await found(`flowId=${flow.id}&key.orderId=R-1`);
    await found(`flowId=${flow.id}&q=${encodeURIComponent('orderId = "R-1"')}`);
    await get(`flowId=${flow.id}&key.nope=1`);
    await get(`flowId=${flow.id}&q=${encodeURIComponent('(')}`);
    await expect(snapshot()).resolves.toEqual(before);
  });

  it('makes run_search_keys in its migration, and the migration\'s down drops it', async () => {
    const fresh = await createTestDatabase(mode);
    const migrator = createDataSource(fresh.url, { poolSize: 1 });
    const tables = async (): Promise<string[]> =>
      (await migrator.query<{ table_name: string }[]>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'run_search_keys'`))
        .map((row) => row.table_name);
    try {
      await (await createStore(fresh.url, { poolSize: 1 })).close();
      await migrator.initialize();
      await expect(tables()).resolves.toEqual(['run_search_keys']);
      await undoThrough(migrator, 'RunSearchKeys1767830400000');
      await expect(tables()).resolves.toEqual([]);
      await (await createStore(fresh.url, { poolSize: 1 })).close();
      await expect(tables()).resolves.toEqual(['run_search_keys']);
    } finally {
      if (migrator.isInitialized) await migrator.destroy();
      await fresh.drop();
    }
  });
});
