import type { HistoryEvent, RunState } from '@sluice/contracts';
import { edge, fastRetry, graph, httpFlow, node } from '../support/graphs';
import { sluiceSuite, type SluiceSuite } from '../support/sluice-harness';

/**
 * A step whose result the store cannot hold fails at once, and a step message
 * that cannot be processed is dead-lettered after SLUICE_MAX_DELIVERIES
 * deliveries: neither is requeued forever (docs/guarantees.md, redelivery).
 */

const step = (run: RunState, nodeId: string) => run.steps.find((candidate) => candidate.nodeId === nodeId);
const ofNode = (history: HistoryEvent[], nodeId: string, type: HistoryEvent['type']) =>
  history.filter((event) => event.nodeId === nodeId && event.type === type);
const callsTo = (suite: SluiceSuite, path: string) => suite.target.requests.filter((request) => request.path === path).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Triggers an http flow (3 retries allowed) against the suite's target and waits for the run to end. */
async function runAgainstTarget(suite: SluiceSuite, name: string): Promise<{ run: RunState; history: HistoryEvent[]; calls: number }> {
  const flow = await suite.api.createFlow(name, httpFlow(`${suite.target.url}/${name}`, fastRetry(3)));
  const { runId } = await suite.api.trigger(flow.id, { n: 1 });
  const run = await suite.api.waitForRun(runId, undefined, 30_000);
  // Long enough for a requeued message to come back (the executor pauses 1 s before a requeue).
  await sleep(1500);
  return { run: await suite.api.run(runId), history: await suite.api.history(runId), calls: callsTo(suite, `/${name}`) };
}

describe.each(['pglite', 'rabbitmq'] as const)('%s: results the store cannot hold', (mode) => {
  const suite = sluiceSuite(mode);

  it.each([
    ['a NUL character', Buffer.from('{"a":"\\u0000"}'), /NUL/],
    ['a lone UTF-16 surrogate', Buffer.from('{"a":"\\ud800"}'), /lone UTF-16 surrogate/],
  ])('an http response holding %s fails its step once, calls the sink once, and dead-letters the run', async (_what, raw, why) => {
    suite.target.reply({ status: 200, raw, headers: { 'content-type': 'application/json' } });

    const { run, history, calls } = await runAgainstTarget(suite, `unstorable-${mode}-${raw.length}-${why.source.length}`);

    expect(calls).toBe(1);
    expect(run.status).toBe('failed');
    expect(step(run, 'call')).toMatchObject({
      status: 'dead', attempts: 1,
      error: { code: 'output_unstorable', retryable: false, message: expect.stringMatching(why) },
    });
    expect(ofNode(history, 'call', 'StepStarted')).toHaveLength(1);
    expect(ofNode(history, 'call', 'StepFailed')).toEqual([expect.objectContaining({ data: expect.objectContaining({ final: true }) })]);
    expect(ofNode(history, 'call', 'StepDeadLettered')).toHaveLength(1);
    expect(await suite.sluice.count('dead_letters')).toBeGreaterThanOrEqual(1);
  });

  it('an error whose text quotes a NUL from the response is recorded, with the character replaced, and retried as usual', async () => {
    suite.target.reply({ status: 503, raw: Buffer.from('down\u0000for now', 'utf8'), headers: { 'content-type': 'text/plain' } });

    const { run, history, calls } = await runAgainstTarget(suite, `unstorable-error-${mode}`);

    expect(calls).toBe(3);
    expect(run.status).toBe('failed');
    expect(step(run, 'call')).toMatchObject({ status: 'dead', attempts: 3, error: { code: 'http_status', status: 503, message: 'HTTP 503: down\ufffdfor now' } });
    expect(ofNode(history, 'call', 'StepFailed')).toHaveLength(3);
  });

  it('dead-letters a step whose commit keeps failing after SLUICE_MAX_DELIVERIES (5) deliveries, with the cause, and a redrive starts afresh', async () => {
    const { api, sluice, target } = suite;
    // A failure that is not about the value: the store refuses this step's success, whatever it holds.
    await sluice.sql(`
      CREATE FUNCTION refuse_cursed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.events @> '[{"nodeId": "cursed", "type": "StepSucceeded"}]' THEN RAISE EXCEPTION 'injected: the store refuses this commit'; END IF;
        RETURN NEW;
      END $$`);
    await sluice.sql('CREATE TRIGGER refuse_cursed BEFORE INSERT ON history FOR EACH ROW EXECUTE FUNCTION refuse_cursed()');
    target.reply({ status: 200, body: { ok: true } });
    const path = `/cursed-${mode}`;
    const flow = await api.createFlow(`cursed-${mode}`, graph(
      [node('start', 'trigger'), node('cursed', 'http', { url: `${target.url}${path}`, method: 'POST', body: 'event', retry: fastRetry(3) }), node('done', 'end')],
      [edge('start', 'cursed'), edge('cursed', 'done')],
    ));
    try {
      const { runId } = await api.trigger(flow.id, { n: 1 });

      const run = await api.waitForRun(runId, undefined, 40_000);
      await sleep(2500);

      expect(callsTo(suite, path)).toBe(5);
      expect((await api.run(runId)).status).toBe('failed');
      expect(step(run, 'cursed')).toMatchObject({
        status: 'dead', attempts: 1,
        error: { code: 'delivery_limit', retryable: false, message: expect.stringMatching(/delivered 5 times without being committed.*injected: the store refuses this commit/) },
      });
      const history = await api.history(runId);
      expect(ofNode(history, 'cursed', 'StepFailed')).toHaveLength(1);
      expect(ofNode(history, 'cursed', 'StepDeadLettered')).toHaveLength(1);
      const [counted] = await sluice.sql<{ deliveries: number; last_error: string }>(
        'SELECT deliveries, last_error FROM step_deliveries WHERE run_id = $1', [runId]);
      expect(counted).toEqual({ deliveries: 5, last_error: expect.stringContaining('injected') });
    } finally {
      await sluice.sql('DROP TRIGGER refuse_cursed ON history');
    }

    // The redriven step's message is a new one: its count starts again, and it commits.
    const letters = await api.request<{ items: { id: string; nodeId: string }[] }>('GET', '/api/dead-letters');
    const letter = letters.body.items.find((item) => item.nodeId === 'cursed');
    expect(letter).toBeDefined();
    expect((await api.request('POST', `/api/dead-letters/${letter!.id}/redrive`)).status).toBeLessThan(300);
    const runs = await sluice.sql<{ id: string }>('SELECT id FROM runs WHERE flow_id = $1', [flow.id]);
    const redriven = await api.waitForRun(runs[0]!.id, (candidate) => candidate.status === 'succeeded', 20_000);
    expect(step(redriven, 'cursed')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(callsTo(suite, path)).toBe(6);
  });

  it('keeps working: a good run after them succeeds', async () => {
    suite.target.reply({ status: 200, body: { ok: true } });

    const { run, calls } = await runAgainstTarget(suite, `good-after-${mode}`);

    expect(calls).toBe(1);
    expect(run.status).toBe('succeeded');
    expect(step(run, 'call')).toMatchObject({ status: 'succeeded', attempts: 1, output: { status: 200, body: { ok: true } } });
  });
});
