import type { RunState } from '@sluice/contracts';
import { edge, fastRetry, graph, httpFlow, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

const step = (run: RunState, nodeId: string) => run.steps.find((candidate) => candidate.nodeId === nodeId);

describe('every step\'s output is bounded by SLUICE_MAX_STEP_OUTPUT', () => {
  const suite = sluiceSuite('server', { SLUICE_MAX_STEP_OUTPUT: '16kb' });

  const transformFlow = (length: number) =>
    graph(
      [node('start', 'trigger'), node('shape', 'transform', { expression: `$pad("", ${length}, "x")`, retry: fastRetry(3) }), node('done', 'end')],
      [edge('start', 'shape'), edge('shape', 'done')],
    );

  it('fails a transform whose result passes the limit, without retries, naming the node and the limit', async () => {
    const flow = await suite.api.createFlow('huge-transform', transformFlow(20_000));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('failed');
    expect(step(run, 'shape')).toMatchObject({
      status: 'dead', attempts: 1,
      error: { code: 'output_too_large', retryable: false, message: expect.stringMatching(/^Step "shape" .*limit of 16384 bytes.*SLUICE_MAX_STEP_OUTPUT/) },
    });
    expect(step(run, 'shape')?.output).toBeUndefined();
    expect(JSON.stringify(await suite.api.history(runId)).length).toBeLessThan(16_384);
  });

  it('keeps a result just under the limit', async () => {
    const flow = await suite.api.createFlow('fitting-transform', transformFlow(16_000));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('succeeded');
    expect(step(run, 'shape')?.output).toHaveLength(16_000);
  });

  it('applies the same limit to http response bodies', async () => {
    suite.target.reply({ status: 200, body: { text: 'y'.repeat(20_000) } });
    const flow = await suite.api.createFlow('big-response', httpFlow(`${suite.target.url}/big`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(step(run, 'call')).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'output_too_large', retryable: false } });
  });
});
