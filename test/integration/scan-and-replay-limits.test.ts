/**
 * The bounds on costly reads per process (docs/security.md#costly-reads):
 * at most SLUICE_SEARCH_MAX_SCANS run searches by `q` scan at once, and at
 * most SLUICE_REPLAY_MAX_RUNNING replays run at once across flows. Past
 * them a request is refused with 503 `overloaded` and Retry-After, having
 * read nothing (a search) or written nothing (a replay). Each test holds the
 * first request open with a PostgreSQL lock on a table it must read, so
 * which request is refused never depends on timing.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorBody, FlowGraph, Page, ReplayDto, ReplayStartedDto, RunQueryPage, RunState } from '@sluice/contracts';
import { Client } from 'pg';
import type { ApiResponse } from '../support/api-client';
import { bulkRunsSql } from '../support/bulk-runs';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

/** trigger (search key `orderId`) → end */
const ORDERS: FlowGraph = graph(
  [node('in', 'trigger', { searchKeys: [{ name: 'orderId', expression: 'orderId' }] }), node('done', 'end')],
  [edge('in', 'done')],
);

/** A `q` that no bulk run matches, so a scan reads every run it may. */
const NEVER = encodeURIComponent('n < 0');

describe('bounds on payload scans and replays per process', () => {
  const suite = sluiceSuite('server', { SLUICE_SEARCH_MAX_SCANS: '1', SLUICE_REPLAY_MAX_RUNNING: '1' });

  const runs = <T = Page<RunState>>(query: string) => suite.api.request<T & ErrorBody>('GET', `/api/runs?${query}`);
  const startReplay = (flowId: string, body: unknown) =>
    suite.api.request<ReplayStartedDto & ErrorBody>('POST', `/api/flows/${flowId}/replays`, body);

  /**
   * Takes an ACCESS EXCLUSIVE lock on `table` in a transaction of its own,
   * so every statement that reads it waits; `release` commits and lets them go on.
   */
  async function holdTable(table: string): Promise<{ release(): Promise<void> }> {
    const client = new Client({ connectionString: suite.sluice.platform.settings.DATABASE_URL });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    let released: Promise<void> | undefined;
    return {
      release: () => (released ??= client.query('COMMIT').then(() => client.end())),
    };
  }

  /** Statements of Sluice's that read `table` and wait for a lock. */
  async function waitingOn(table: string): Promise<number> {
    const [row] = await suite.sluice.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`, [`%from ${table}%`]);
    return row?.n ?? 0;
  }

  /** Waits until a statement that reads `table` waits for its lock (a condition, not a time). */
  async function untilWaiting(table: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await waitingOn(table)) === 0) {
      if (Date.now() > deadline) throw new Error(`no statement waits on ${table}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * The answer to `request` sent while `table` is locked and `already`
   * statements wait on it; or `'waits for the lock'` as soon as one more
   * does, so a request that reads the store fails the test instead of hanging it.
   */
  async function answeredWhileLocked<T>(request: Promise<T>, table: string, already: number): Promise<T | 'waits for the lock'> {
    let answer: { value: T } | undefined;
    const settled = request.then((value) => (answer = { value }));
    const deadline = Date.now() + 20_000;
    for (;;) {
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 20))]);
      if (answer) return answer.value;
      if ((await waitingOn(table)) > already) return 'waits for the lock';
      if (Date.now() > deadline) throw new Error('no answer, and no statement waits on the lock');
    }
  }

  /** One sample of this process's /metrics, by name. */
  async function metric(name: string): Promise<number> {
    const text = (await suite.api.request<string>('GET', '/metrics')).body;
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    if (line === undefined) throw new Error(`no ${name} in /metrics`);
    return Number(line.slice(name.length + 1));
  }

  async function finished(id: string): Promise<ReplayDto> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await suite.api.request<ReplayDto>('GET', `/api/replays/${id}`);
      if (response.status !== 200) throw new Error(`GET replay: ${response.status} ${JSON.stringify(response.body)}`);
      if (response.body.status !== 'running') return response.body;
      if (Date.now() > deadline) throw new Error(`replay ${id} still running: ${JSON.stringify(response.body.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  describe('run search by q (SLUICE_SEARCH_MAX_SCANS=1)', () => {
    let flowId: string;
    let keyed: string;

    beforeAll(async () => {
      flowId = (await suite.api.createFlow('scanned', ORDERS)).id;
      keyed = (await suite.api.trigger(flowId, { orderId: 'A-17' })).runId;
      await suite.api.waitForRun(keyed);
      await suite.sluice.sql(bulkRunsSql(3000), [flowId]);
    });

    it('refuses a second q while one scans with 503 overloaded and Retry-After before reading anything, lets key lookups and listing through, and takes q again once the scan ends', async () => {
      const held = await holdTable('flows');
      let scanning: Promise<ApiResponse<RunQueryPage & ErrorBody>> | undefined;
      let lookup: Promise<ApiResponse<Page<RunState> & ErrorBody>> | undefined;
      try {
        // The first scan takes the one slot, then waits to read its flow.
        scanning = runs<RunQueryPage>(`flowId=${flowId}&q=${NEVER}`);
        await untilWaiting('flows');

        // Answered while flows is locked: refused before any read of the store.
        const refused = await answeredWhileLocked(runs(`flowId=${flowId}&q=${encodeURIComponent('orderId = "A-17"')}`), 'flows', 1);
        if (refused === 'waits for the lock') throw new Error('a q past SLUICE_SEARCH_MAX_SCANS read the store');
        expectOverloaded(refused, 'Payload scans', 'SLUICE_SEARCH_MAX_SCANS', 2);
        const listed = await answeredWhileLocked(runs(`flowId=${flowId}&limit=5`), 'flows', 1);
        if (listed === 'waits for the lock') throw new Error('listing runs read flows');
        expect([listed.status, listed.body.items.length]).toEqual([200, 5]);
        // A key lookup may read the flow (its cached version expires), so it may wait for the lock, but it takes no slot.
        lookup = runs(`flowId=${flowId}&key.orderId=A-17`);
        await expect(metric('sluice_run_scans_in_progress')).resolves.toBe(1);
        await expect(metric('sluice_run_scans_refused_total')).resolves.toBe(1);
      } finally {
        await held.release();
      }

      const scanned = await scanning;
      expect(scanned.status).toBe(200);
      expect(scanned.body.items).toEqual([]);
      expect(scanned.body.scanned).toBeGreaterThan(0);
      const found = await lookup;
      expect(found?.status).toBe(200);
      expect(found?.body.items.map((run) => run.id)).toEqual([keyed]);

      // The scan answered after it gave its slot back.
      const again = await runs<RunQueryPage>(`flowId=${flowId}&q=${encodeURIComponent('orderId = "A-17"')}`);
      expect(again.status).toBe(200);
      expect(again.body.items.map((run) => run.id)).toEqual([keyed]);
    });

    it('gives the slot back when a scan fails, fills its page, or its asker hangs up', async () => {
      expect((await runs(`flowId=${randomUUID()}&q=true`)).status).toBe(404);
      expect((await runs<RunQueryPage>(`flowId=${flowId}&q=true&limit=2`)).body).toMatchObject({ complete: false, nextCursor: expect.any(String) });
      expect((await runs(`flowId=${flowId}&q=${NEVER}`)).status).toBe(200);

      const held = await holdTable('flows');
      try {
        const asker = new AbortController();
        const gone = fetch(`${suite.sluice.baseUrl}/api/runs?flowId=${flowId}&q=${NEVER}`, { signal: asker.signal }).catch(() => 'hung up');
        await untilWaiting('flows');
        await expect(metric('sluice_run_scans_in_progress')).resolves.toBe(1);
        asker.abort();
        await expect(gone).resolves.toBe('hung up');
      } finally {
        await held.release();
      }
      const deadline = Date.now() + 20_000;
      while ((await metric('sluice_run_scans_in_progress')) !== 0) {
        if (Date.now() > deadline) throw new Error('the slot of a scan whose asker hung up was not given back');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await runs(`flowId=${flowId}&q=${NEVER}`)).status).toBe(200);
    });
  });

  describe('replays (SLUICE_REPLAY_MAX_RUNNING=1)', () => {
    const flows: string[] = [];

    beforeAll(async () => {
      for (const name of ['first replayed', 'second replayed']) {
        const { id } = await suite.api.createFlow(name, ORDERS);
        for (let n = 0; n < 3; n++) await suite.api.waitForRun((await suite.api.trigger(id, { orderId: `${name}-${n}` })).runId);
        flows.push(id);
      }
    });

    it('refuses a replay of another flow while one runs with 503 overloaded and Retry-After, writing nothing, and accepts one once the first has ended', async () => {
      const [first, second] = flows as [string, string];
      const counts = async () => ({ replays: await suite.sluice.count('replays'), events: await suite.sluice.count('replay_events') });
      // The first replay cannot read the histories it replays until the lock goes.
      const held = await holdTable('history');
      let running: string;
      try {
        const started = await startReplay(first, { version: 1, limit: 3 });
        expect(started.status).toBe(202);
        running = started.body.id;
        await untilWaiting('history');
        const before = await counts();

        const refused = await answeredWhileLocked(startReplay(second, { version: 1, limit: 3 }), 'history', 1);
        if (refused === 'waits for the lock') throw new Error('a replay past SLUICE_REPLAY_MAX_RUNNING was started');
        expectOverloaded(refused, 'Replays', 'SLUICE_REPLAY_MAX_RUNNING', 5);
        // The flow whose own replay runs is told so, as it would be with room to spare.
        const same = await startReplay(first, { version: 1, limit: 3 });
        expect(same.status).toBe(409);
        expect(same.body.error).toMatchObject({ code: 'replay_running', details: { replayId: running } });
        await expect(counts()).resolves.toEqual(before);
        await expect(metric('sluice_replays_running')).resolves.toBe(1);
        await expect(metric('sluice_replays_refused_total')).resolves.toBe(1);
      } finally {
        await held.release();
      }

      await expect(finished(running)).resolves.toMatchObject({ status: 'succeeded', progress: { done: 3, total: 3 } });
      const next = await startReplay(second, { version: 1, limit: 3 });
      expect(next.status).toBe(202);
      await expect(finished(next.body.id)).resolves.toMatchObject({ status: 'succeeded', summary: { events: 3, changed: 0 } });
    });
  });
});

/** A refusal at a per-process bound of 1: 503 overloaded, naming the setting, with Retry-After. */
function expectOverloaded(refused: ApiResponse<ErrorBody>, what: string, setting: string, retryAfterSeconds: number): void {
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe(String(retryAfterSeconds));
  expect(refused.body.error).toEqual({
    code: 'overloaded',
    message: `${what} running in this process are at their bound, 1 (${setting}); retry in ${retryAfterSeconds} s`,
    details: { limit: 1, setting, retryAfterSeconds },
  });
}
