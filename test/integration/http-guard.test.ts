import { fastRetry, httpFlow } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

describe('http nodes with SLUICE_HTTP_ALLOW_PRIVATE=false', () => {
  const suite = sluiceSuite('server', { SLUICE_HTTP_ALLOW_PRIVATE: 'false' });

  it('refuses a loopback destination without calling it or retrying, and dead-letters the step', async () => {
    const flow = await suite.api.createFlow('guarded', httpFlow(`${suite.target.url}/private`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('failed');
    expect(run.steps.find((step) => step.nodeId === 'call')).toMatchObject({
      status: 'dead', attempts: 1, error: { code: 'refused', retryable: false },
    });
    expect(suite.target.requests).toHaveLength(0);
  });
});
