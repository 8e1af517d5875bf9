import type { RunState } from '@sluice/contracts';
import { edge, fastRetry, graph, httpFlow, node } from '../support/graphs';
import { sluiceSuite, type Mode } from '../support/sluice-harness';

/**
 * One member a commit cannot store must not fail the members it shares the
 * commit with (docs/group-commit.md). The poison is a lone UTF-16 surrogate:
 * JSON.parse accepts `"\ud800"`, PostgreSQL's jsonb refuses it.
 */
const POISON = '\\ud800';
const GOOD_TRIGGERS = 100;
const GOOD_STEPS = 20;

const modes: Mode[] = ['pglite', 'rabbitmq', 'sqs'];

describe.each(modes)('a poisoned member of a group commit (%s)', (mode) => {
  const suite = sluiceSuite(mode);

  it(`gives ${GOOD_TRIGGERS} concurrent good triggers 202 and the poisoned one a 4xx, and every good run finishes`, async () => {
    const { api, sluice, target } = suite;
    target.reply({ status: 200, body: { ok: true } });
    const flow = await api.createFlow('poisoned-trigger', httpFlow(target.url, fastRetry(3)));
    const path = `/api/flows/${flow.id}/events`;

    // The poisoned body goes out in the middle of the burst, as raw JSON text.
    const sends = Array.from({ length: GOOD_TRIGGERS + 1 }, (_, index) =>
      index === GOOD_TRIGGERS / 2
        ? api.request<{ error: { code: string; message: string } }>('POST', path, `{"i":-1,"note":"${POISON}"}`)
        : api.request<{ runId: string }>('POST', path, { i: index, note: 'fine' }),
    );
    const responses = await Promise.all(sends);
    const poisoned = responses[GOOD_TRIGGERS / 2]!;
    const good = responses.filter((_, index) => index !== GOOD_TRIGGERS / 2);

    expect(good.map((response) => response.status)).toEqual(Array.from({ length: GOOD_TRIGGERS }, () => 202));
    expect(poisoned.status).toBeGreaterThanOrEqual(400);
    expect(poisoned.status).toBeLessThan(500);
    const error = (poisoned.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('payload_rejected');
    expect(error.message).toMatch(/surrogate/i);

    const runIds = good.map((response) => (response.body as { runId: string }).runId);
    const finished = await Promise.all(runIds.map((runId) => api.waitForRun(runId, undefined, 60_000)));
    expect(finished.map((run: RunState) => run.status)).toEqual(runIds.map(() => 'succeeded'));

    // Nothing of the poisoned trigger was written: every row belongs to a good run.
    const runs = await sluice.sql<{ id: string }>('SELECT id FROM runs WHERE flow_id = $1', [flow.id]);
    expect(runs.map((row) => row.id).sort()).toEqual([...runIds].sort());
    for (const table of ['history', 'timers', 'dead_letters']) {
      const strays = await sluice.sql(`SELECT run_id FROM ${table} WHERE NOT (run_id = ANY($1::uuid[]))`, [runIds]);
      expect({ table, strays }).toEqual({ table, strays: [] });
    }
  });

  it(`splits a one-statement commit of triggers whose flow publishes: the poisoned one gets a 4xx, the ${GOOD_TRIGGERS} others and their subscribers' runs commit`, async () => {
    const { api, sluice } = suite;
    const consumer = await api.createFlow('poisoned-subscriber', graph([node('in', 'subscribe', { topic: 'poison.test' }), node('out', 'end')], [edge('in', 'out')]));
    const flow = await api.createFlow('poisoned-publisher', graph([node('t', 'trigger'), node('p', 'publish', { topic: 'poison.test' })], [edge('t', 'p')]));
    const path = `/api/flows/${flow.id}/events`;

    const sends = Array.from({ length: GOOD_TRIGGERS + 1 }, (_, index) =>
      index === GOOD_TRIGGERS / 2
        ? api.request<{ error: { code: string } }>('POST', path, `{"i":-1,"note":"${POISON}"}`)
        : api.request<{ runId: string }>('POST', path, { i: index }),
    );
    const responses = await Promise.all(sends);
    const poisoned = responses[GOOD_TRIGGERS / 2]!;
    const good = responses.filter((_, index) => index !== GOOD_TRIGGERS / 2);
    expect(good.map((response) => response.status)).toEqual(Array.from({ length: GOOD_TRIGGERS }, () => 202));
    expect(poisoned.status).toBe(422);
    expect((poisoned.body as { error: { code: string } }).error.code).toBe('payload_rejected');

    // Each good run finished in its commit and started one subscriber run; the poisoned one left nothing.
    const runIds = good.map((response) => (response.body as { runId: string }).runId);
    const producers = await sluice.sql<{ id: string; status: string; event_id: string }>('SELECT id, status, event_id FROM runs WHERE flow_id = $1', [flow.id]);
    expect(producers.map((row) => row.id).sort()).toEqual([...runIds].sort());
    expect(producers.every((row) => row.status === 'succeeded')).toBe(true);
    const children = await sluice.sql<{ parent: string }>(`SELECT state->>'parentRunId' AS parent FROM runs WHERE flow_id = $1`, [consumer.id]);
    expect(children.map((row) => row.parent).sort()).toEqual([...runIds].sort());
    const chains = await sluice.sql<{ origin_event_id: string }>('SELECT origin_event_id FROM publish_chains WHERE origin_event_id = ANY($1)', [producers.map((row) => row.event_id)]);
    expect(chains).toHaveLength(GOOD_TRIGGERS);
    const [counted] = await sluice.sql<{ n: number }>('SELECT count(*)::int AS n FROM publish_chains');
    expect(counted?.n).toBe(GOOD_TRIGGERS);
  });

  // The split of a worker commit with an injected store refusal: libs/runtime/src/services/step-executor-commit.spec.ts.
  it('commits the other step results of a worker batch holding one the store cannot hold', async () => {
    const { api, target } = suite;
    // Every call is answered at the same moment, so the results reach the commit together.
    let releaseAt: number | undefined;
    target.respond((request) => {
      releaseAt ??= Date.now() + 500;
      const delayMs = Math.max(0, releaseAt - Date.now());
      const body = request.body as { i?: number };
      if (body.i === -1) {
        return { status: 200, delayMs, raw: Buffer.from(`{"echo":"${POISON}"}`), headers: { 'content-type': 'application/json' } };
      }
      return { status: 200, delayMs, body: { echo: body.i } };
    });
    const flow = await api.createFlow('poisoned-step', httpFlow(target.url, fastRetry(3)));
    const firstRequest = target.requests.length;

    const triggers = Array.from({ length: GOOD_STEPS + 1 }, (_, index) => api.trigger(flow.id, { i: index === GOOD_STEPS / 2 ? -1 : index }));
    const started = await Promise.all(triggers);
    const goodRuns = started.filter((_, index) => index !== GOOD_STEPS / 2).map((response) => response.runId);
    const poisonedRun = started[GOOD_STEPS / 2]!.runId;

    const finished = await Promise.all(goodRuns.map((runId) => api.waitForRun(runId, undefined, 60_000)));
    expect(finished.map((run) => run.status)).toEqual(goodRuns.map(() => 'succeeded'));
    // Each good step committed with its first result: its call was never repeated.
    const calls = new Map<number, number>();
    for (const request of target.requests.slice(firstRequest)) {
      const i = (request.body as { i: number }).i;
      calls.set(i, (calls.get(i) ?? 0) + 1);
    }
    const goodCalls = [...calls].filter(([i]) => i !== -1).sort(([a], [b]) => a - b);
    expect(goodCalls).toEqual(Array.from({ length: GOOD_STEPS + 1 }, (_, i) => i).filter((i) => i !== GOOD_STEPS / 2).map((i) => [i, 1]));
    expect((await api.run(poisonedRun)).status).not.toBe('succeeded');
  });
});
