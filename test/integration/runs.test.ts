import type { HistoryEvent, RunState } from '@sluice/contracts';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { edge, fastRetry, graph, httpFlow, node } from '../support/graphs';
import { MODES, sluiceSuite } from '../support/sluice-harness';

const ordersGraph = graph(
  [
    node('trigger', 'trigger'),
    node('significant', 'filter', { condition: 'event.amount > 100' }),
    node('publish', 'publish', { topic: 'orders.significant' }),
    node('ignore', 'ignore', { reason: 'small order' }),
  ],
  [edge('trigger', 'significant'), edge('significant', 'publish', 'yes'), edge('significant', 'ignore', 'no')],
);

function eventsOf(history: HistoryEvent[], type: HistoryEvent['type'], nodeId?: string): HistoryEvent[] {
  return history.filter((event) => event.type === type && (nodeId === undefined || event.nodeId === nodeId));
}

function step(run: RunState, nodeId: string) {
  const found = run.steps.find((candidate) => candidate.nodeId === nodeId);
  if (!found) throw new Error(`run ${run.id} has no step ${nodeId}: ${JSON.stringify(run.steps)}`);
  return found;
}

describe.each(MODES)('runs against %s', (kind) => {
  const suite = sluiceSuite(kind);

  it('ends an insignificant event as ignored, with the publish branch skipped', async () => {
    const flow = await suite.api.createFlow('orders-ignored', ordersGraph);
    const { runId } = await suite.api.trigger(flow.id, { amount: 20 });

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('ignored');
    expect(step(run, 'significant')).toMatchObject({ status: 'succeeded', handle: 'no' });
    expect(step(run, 'ignore').status).toBe('succeeded');
    expect(step(run, 'publish').status).toBe('skipped');
    expect(eventsOf(await suite.api.history(runId), 'RunIgnored')).toHaveLength(1);
  });

  it('retries an http step that fails twice, with growing delays, then succeeds on attempt 3', async () => {
    suite.target.reply({ status: 503 }, { status: 500 }, { status: 200, body: { accepted: true } });
    const flow = await suite.api.createFlow('flaky-twice', httpFlow(`${suite.target.url}/twice`, fastRetry(5)));
    const { runId } = await suite.api.trigger(flow.id, { order: 1 });

    const run = await suite.api.waitForRun(runId);
    const history = await suite.api.history(runId);

    expect(run.status).toBe('succeeded');
    expect(step(run, 'call')).toMatchObject({ status: 'succeeded', attempts: 3, output: { status: 200, body: { accepted: true } } });
    const retries = eventsOf(history, 'RetryScheduled', 'call');
    expect(retries).toHaveLength(2);
    const delays = retries.map((event) => (event.type === 'RetryScheduled' ? event.data.delayMs : 0));
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    expect(eventsOf(history, 'StepStarted', 'call').map((event) => (event.type === 'StepStarted' ? event.data.attempt : 0))).toEqual([1, 2, 3]);
    expect(eventsOf(history, 'StepSucceeded', 'call')).toHaveLength(1);
  });

  it('dead-letters a step whose retries run out, fails the run, and redrives it to success', async () => {
    suite.target.reply({ status: 500 });
    const flow = await suite.api.createFlow('always-failing', httpFlow(`${suite.target.url}/down`, fastRetry(2)));
    const { runId } = await suite.api.trigger(flow.id, { order: 2 });

    const failed = await suite.api.waitForRun(runId);
    expect(failed.status).toBe('failed');
    expect(step(failed, 'call')).toMatchObject({ status: 'dead', attempts: 2 });
    const letters = await suite.api.request<{ items: { id: string; runId: string; nodeId: string }[] }>('GET', '/api/dead-letters');
    const letter = letters.body.items.find((item) => item.runId === runId);
    expect(letter).toMatchObject({ nodeId: 'call' });

    suite.target.reply({ status: 200, body: { recovered: true } });
    expect((await suite.api.request('POST', `/api/dead-letters/${letter!.id}/redrive`)).status).toBe(202);

    const recovered = await suite.api.waitForRun(runId, (run) => run.status === 'succeeded');
    expect(step(recovered, 'call')).toMatchObject({ status: 'succeeded', attempts: 1 });
    const after = await suite.api.request<{ items: { id: string }[] }>('GET', '/api/dead-letters');
    expect(after.body.items.map((item) => item.id)).not.toContain(letter!.id);
    const history = await suite.api.history(runId);
    expect(eventsOf(history, 'StepRedriven', 'call')).toHaveLength(1);
    expect(eventsOf(history, 'RunFailed')).toHaveLength(1);
    expect(eventsOf(history, 'RunSucceeded')).toHaveLength(1);
  });

  it('discards a dead letter', async () => {
    suite.target.reply({ status: 500 });
    const flow = await suite.api.createFlow('discarded', httpFlow(`${suite.target.url}/discard`, fastRetry(1)));
    const { runId } = await suite.api.trigger(flow.id, {});
    await suite.api.waitForRun(runId);
    const letters = await suite.api.request<{ items: { id: string; runId: string }[] }>('GET', '/api/dead-letters');
    const letter = letters.body.items.find((item) => item.runId === runId)!;

    expect((await suite.api.request('DELETE', `/api/dead-letters/${letter.id}`)).status).toBe(204);

    const after = await suite.api.request<{ items: { id: string }[] }>('GET', '/api/dead-letters');
    expect(after.body.items.map((item) => item.id)).not.toContain(letter.id);
    expect((await suite.api.request('DELETE', `/api/dead-letters/${letter.id}`)).status).toBe(404);
    expect((await suite.api.run(runId)).status).toBe('failed');
  });

  it('POST /api/runs/:id/retry retries a dead step now', async () => {
    suite.target.reply({ status: 502 });
    const flow = await suite.api.createFlow('retry-now', httpFlow(`${suite.target.url}/retry-now`, fastRetry(1)));
    const { runId } = await suite.api.trigger(flow.id, {});
    expect((await suite.api.waitForRun(runId)).status).toBe('failed');

    suite.target.reply({ status: 200 });
    expect((await suite.api.request('POST', `/api/runs/${runId}/retry`)).status).toBe(202);

    expect((await suite.api.waitForRun(runId, (run) => run.status === 'succeeded')).status).toBe('succeeded');
    expect((await suite.api.request('POST', `/api/runs/${runId}/retry`)).status).toBe(409);
  });

  it('POST /api/runs/:id/retry brings a scheduled retry forward', async () => {
    suite.target.reply({ status: 503 }, { status: 200 });
    const slow = { maxAttempts: 3, initialIntervalMs: 60_000, backoffCoefficient: 2, maxIntervalMs: 60_000, jitter: 0 };
    const flow = await suite.api.createFlow('retry-forward', httpFlow(`${suite.target.url}/forward`, slow));
    const { runId } = await suite.api.trigger(flow.id, {});
    const retrying = await suite.api.waitForRun(runId, (run) => run.steps.some((s) => s.status === 'retrying'));
    expect(step(retrying, 'call').dueAt).toBeDefined();
    const retries = await suite.api.request<{ items: { runId: string; attempt: number; maxAttempts: number }[] }>('GET', '/api/retries');
    expect(retries.body.items.find((item) => item.runId === runId)).toMatchObject({ attempt: 2, maxAttempts: 3 });

    expect((await suite.api.request('POST', `/api/runs/${runId}/retry`)).status).toBe(202);

    expect((await suite.api.waitForRun(runId, (run) => run.status === 'succeeded', 5000)).status).toBe('succeeded');
  });

  it('takes the error edge when retries are exhausted', async () => {
    suite.target.reply({ status: 500 });
    const flow = await suite.api.createFlow('error-edge', httpFlow(`${suite.target.url}/caught`, fastRetry(2), { errorEdge: true }));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('succeeded');
    expect(step(run, 'call')).toMatchObject({ status: 'failed', attempts: 2 });
    expect(step(run, 'fallback').status).toBe('succeeded');
    expect(step(run, 'done').status).toBe('skipped');
    expect(await suite.sluice.count(`dead_letters WHERE run_id = '${runId}'`)).toBe(0);
  });

  it('returns the original run for a repeated Idempotency-Key and starts nothing new', async () => {
    const flow = await suite.api.createFlow('idempotent', ordersGraph);
    const first = await suite.api.trigger(flow.id, { amount: 5 }, 'order-42');
    const second = await suite.api.trigger(flow.id, { amount: 5 }, 'order-42');

    expect(first.deduplicated).toBe(false);
    expect(second).toEqual({ runId: first.runId, eventId: first.eventId, deduplicated: true });
    expect(await suite.sluice.count(`runs WHERE flow_id = '${flow.id}'`)).toBe(1);
  });

  it('commits concurrent triggers together: one run per idempotency key, the right answer for each request', async () => {
    const flow = await suite.api.createFlow('group-commit', ordersGraph);
    // 120 requests at once: 40 without a key, 20 keys sent four times each.
    const requests = [
      ...Array.from({ length: 40 }, (_, i) => ({ amount: i, key: undefined as string | undefined })),
      ...Array.from({ length: 80 }, (_, i) => ({ amount: 1000 + i, key: `key-${i % 20}` })),
    ].sort(() => Math.random() - 0.5);
    const answers = await Promise.all(requests.map((r) => suite.api.trigger(flow.id, { amount: r.amount }, r.key)));

    const rows = await suite.sluice.sql<{ id: string; event_id: string }>('SELECT id, event_id FROM runs WHERE flow_id = $1', [flow.id]);
    expect(rows).toHaveLength(40 + 20);
    const stored = new Map(rows.map((row) => [row.id, row.event_id]));
    for (const answer of answers) expect(stored.get(answer.runId)).toBe(answer.eventId);
    for (let k = 0; k < 20; k += 1) {
      const forKey = answers.filter((_, i) => requests[i]!.key === `key-${k}`);
      expect(new Set(forKey.map((answer) => answer.runId)).size).toBe(1);
      expect(forKey.filter((answer) => !answer.deduplicated)).toHaveLength(1);
    }
    expect(answers.filter((_, i) => requests[i]!.key === undefined).every((answer) => !answer.deduplicated)).toBe(true);
    const again = await suite.api.trigger(flow.id, { amount: 1 }, 'key-3');
    expect(again).toMatchObject({ deduplicated: true, runId: answers.find((_, i) => requests[i]!.key === 'key-3')!.runId });
    for (const answer of answers.slice(0, 5)) expect((await suite.api.waitForRun(answer.runId)).status).toMatch(/succeeded|ignored/);
  });

  it('triggers the saved version at once, and an archived flow answers 404 at once', async () => {
    const flow = await suite.api.createFlow('cached-latest', ordersGraph);
    const before = await suite.api.trigger(flow.id, { amount: 1 });
    expect((await suite.api.waitForRun(before.runId)).flowVersion).toBe(1);
    const saved = await suite.api.request('PUT', `/api/flows/${flow.id}`, { graph: ordersGraph });
    expect(saved.status).toBe(200);
    const after = await suite.api.trigger(flow.id, { amount: 1 });
    expect((await suite.api.waitForRun(after.runId)).flowVersion).toBe(2);

    expect((await suite.api.request('DELETE', `/api/flows/${flow.id}`)).status).toBe(204);
    const refused = await suite.api.request('POST', `/api/flows/${flow.id}/events`, { amount: 1 });
    expect(refused.status).toBe(404);
    expect(await suite.sluice.count(`runs WHERE flow_id = '${flow.id}'`)).toBe(2);
  });

  it('reproduces the state after each seq with asOf, and the fold of the whole history equals the stored projection', async () => {
    suite.target.reply({ status: 503 }, { status: 200 });
    const flow = await suite.api.createFlow('as-of', httpFlow(`${suite.target.url}/as-of`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, { n: 1 });
    const final = await suite.api.waitForRun(runId);
    const history = await suite.api.history(runId);

    expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
    const first = await suite.api.run(runId, 1);
    expect(first.status).toBe('running');
    expect(first.steps).toEqual([]);
    expect(first.lastSeq).toBe(1);
    const retrySeq = eventsOf(history, 'RetryScheduled')[0]!.seq;
    const atRetry = await suite.api.run(runId, retrySeq);
    expect(step(atRetry, 'call')).toMatchObject({ status: 'retrying', attempts: 1 });
    for (const event of history) {
      const asOf = await suite.api.run(runId, event.seq);
      expect(asOf.lastSeq).toBe(event.seq);
    }
    const folded = await suite.api.run(runId, history.length);
    expect(folded).toEqual(final);
  });

  it('fans a publish out to two subscribe flows, and the topic route returns both run ids', async () => {
    suite.target.reply({ status: 200 });
    const consumer = (name: string, pattern: string) =>
      suite.api.createFlow(name, graph(
        [node('in', 'subscribe', { topic: pattern }), node('call', 'http', { url: `${suite.target.url}/${name}`, method: 'POST', timeoutMs: 2000, body: 'event' }), node('out', 'end')],
        [edge('in', 'call'), edge('call', 'out')],
      ));
    const one = await consumer('fan-a', 'fanout.*');
    const two = await consumer('fan-b', 'fanout.#');
    const producer = await suite.api.createFlow('fan-producer', graph(
      [node('t', 'trigger'), node('p', 'publish', { topic: 'fanout.created' })],
      [edge('t', 'p')],
    ));

    const { runId } = await suite.api.trigger(producer.id, { id: 7 });
    expect((await suite.api.waitForRun(runId)).status).toBe('succeeded');
    const children = async () => (await suite.sluice.sql<{ flow_id: string; id: string }>(
      `SELECT flow_id, id FROM runs WHERE state->>'parentRunId' = $1`, [runId],
    ));
    await expect(waitFor(async () => (await children()).length === 2)).resolves.toBe(true);
    expect((await children()).map((row) => row.flow_id).sort()).toEqual([one.id, two.id].sort());
    for (const child of await children()) expect((await suite.api.waitForRun(child.id)).status).toBe('succeeded');

    // The publish step settled in the trigger's commit: the producer's whole history is one batch row.
    expect(await suite.sluice.sql('SELECT 1 FROM history WHERE run_id = $1', [runId])).toHaveLength(1);

    const published = await suite.api.request<{ eventId: string; runIds: string[] }>('POST', '/api/topics/fanout.direct/events', { id: 8 });
    expect(published.status).toBe(202);
    expect(published.body.runIds).toHaveLength(2);
    const flows = await Promise.all(published.body.runIds.map(async (id) => (await suite.api.waitForRun(id)).flowId));
    expect(flows.sort()).toEqual([one.id, two.id].sort());
  });

  it('settles a publish step in the commit that reaches it: the trigger is answered with the run finished and its subscribers started', async () => {
    const consumer = await suite.api.createFlow('inline-consumer', graph(
      [node('in', 'subscribe', { topic: 'inline.created' }), node('out', 'end')],
      [edge('in', 'out')],
    ));
    const producer = await suite.api.createFlow('inline-producer', graph(
      [node('t', 'trigger'), node('shape', 'transform', { expression: '{ "id": event.id }' }), node('p', 'publish', { topic: 'inline.created' }), node('done', 'end')],
      [edge('t', 'shape'), edge('shape', 'p'), edge('p', 'done')],
    ));

    const { runId } = await suite.api.trigger(producer.id, { id: 9 });

    // No waiting: everything below was written by the commit that answered the trigger.
    const [run] = await suite.sluice.sql<{ status: string; batches: number }>(
      `SELECT status, (SELECT count(*)::int FROM history WHERE run_id = $1) AS batches FROM runs WHERE id = $1`, [runId],
    );
    expect(run).toEqual({ status: 'succeeded', batches: 1 });
    const children = await suite.sluice.sql<{ flow_id: string; id: string }>(`SELECT flow_id, id FROM runs WHERE state->>'parentRunId' = $1`, [runId]);
    expect(children.map((child) => child.flow_id)).toEqual([consumer.id]);
    const history = await suite.api.history(runId);
    expect(eventsOf(history, 'StepStarted', 'p')).toHaveLength(1);
    expect(eventsOf(history, 'StepSucceeded', 'p')).toHaveLength(1);
    expect((await suite.api.waitForRun(children[0]!.id)).status).toBe('succeeded');
  });
});

describe.each(MODES)('a trigger whose flow publishes, against %s', (kind) => {
  const suite = sluiceSuite(kind);
  const subscriber = (name: string, topic: string) => graph([node('in', 'subscribe', { topic }), node('out', 'end')], [edge('in', 'out')]);
  const producer = (topic: string) => graph([node('t', 'trigger'), node('p', 'publish', { topic })], [edge('t', 'p')]);
  const childFlows = async (runId: string): Promise<string[]> =>
    (await suite.sluice.sql<{ flow_id: string }>(`SELECT flow_id FROM runs WHERE state->>'parentRunId' = $1 ORDER BY flow_id`, [runId])).map((row) => row.flow_id);

  it('commits in one statement, the chain count included', async () => {
    const consumer = await suite.api.createFlow('one-statement-consumer', subscriber('c', 'single.statement'));
    const flow = await suite.api.createFlow('one-statement-producer', producer('single.statement'));
    await suite.api.trigger(flow.id, { warm: true });

    const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    let runId: string;
    try {
      ({ runId } = await suite.api.trigger(flow.id, { n: 1 }));
      // Other work of this process (the timer scheduler, the relay) runs statements too: keep those of a commit.
      const commits = spy.mock.calls.map((call) => String(call[0]).trim()).filter((text) => /INSERT INTO runs|START TRANSACTION|^BEGIN|^COMMIT|publish_chains|sluice_flow_revision\(\)/.test(text));
      expect(commits.map((text) => text.split(/\s+/)[0])).toEqual(['WITH']);
    } finally {
      spy.mockRestore();
    }
    expect(await childFlows(runId)).toEqual([consumer.id]);
    const [run] = await suite.sluice.sql<{ status: string; event_id: string }>('SELECT status, event_id FROM runs WHERE id = $1', [runId]);
    expect(run?.status).toBe('succeeded');
    expect(await suite.sluice.sql('SELECT runs FROM publish_chains WHERE origin_event_id = $1', [run!.event_id])).toEqual([{ runs: 1 }]);
  });

  it('fans out to a subscribe flow created behind its cache: the statement finds the revision moved and the commit is planned again', async () => {
    const flow = await suite.api.createFlow('stale-cache-producer', producer('stale.cache'));
    await suite.api.trigger(flow.id, { warm: true });
    // Straight into the store: this process's flow cache is not told, as when another process creates the flow.
    const late = await suite.sluice.platform.store.createFlow({ name: 'stale-cache-consumer', description: null, graph: subscriber('late', 'stale.cache') });

    const { runId } = await suite.api.trigger(flow.id, { n: 2 });

    expect(await childFlows(runId)).toEqual([late.id]);
  });
});

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
