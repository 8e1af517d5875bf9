import type { HistoryEvent, RunState } from '@sluice/contracts';
import { fastRetry, httpFlow } from '../support/graphs';
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

  it('an error body holding NUL is recorded, with the character replaced, and retried as usual', async () => {
    suite.target.reply({ status: 503, raw: Buffer.from('{"a":"\\u0000"}'), headers: { 'content-type': 'application/json' } });

    const { run, history, calls } = await runAgainstTarget(suite, `unstorable-error-${mode}`);

    expect(calls).toBe(3);
    expect(run.status).toBe('failed');
    expect(step(run, 'call')).toMatchObject({ status: 'dead', attempts: 3, error: { code: 'http_status', status: 503, message: 'HTTP 503: {"a":"\ufffd"}' } });
    expect(ofNode(history, 'call', 'StepFailed')).toHaveLength(3);
  });

  it('keeps working: a good run after them succeeds', async () => {
    suite.target.reply({ status: 200, body: { ok: true } });

    const { run, calls } = await runAgainstTarget(suite, `good-after-${mode}`);

    expect(calls).toBe(1);
    expect(run.status).toBe('succeeded');
    expect(step(run, 'call')).toMatchObject({ status: 'succeeded', attempts: 1, output: { status: 200, body: { ok: true } } });
  });
});
