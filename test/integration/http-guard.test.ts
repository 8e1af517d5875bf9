import { ApiClient } from '../support/api-client';
import { fastRetry, httpFlow } from '../support/graphs';
import { startSluice, type Sluice } from '../support/sluice-harness';
import { TargetServer } from '../support/target-server';

describe('http nodes with SLUICE_HTTP_ALLOW_PRIVATE=false', () => {
  let sluice: Sluice;
  let target: TargetServer;

  beforeAll(async () => {
    sluice = await startSluice('server', { SLUICE_HTTP_ALLOW_PRIVATE: 'false' });
    target = await new TargetServer().start();
  });

  afterAll(async () => {
    await target?.stop();
    await sluice?.close();
  });

  it('refuses a loopback destination without calling it or retrying, and dead-letters the step', async () => {
    const api = new ApiClient(sluice.baseUrl);
    const flow = await api.createFlow('guarded', httpFlow(`${target.url}/private`, fastRetry(3)));
    const { runId } = await api.trigger(flow.id, {});

    const run = await api.waitForRun(runId);

    expect(run.status).toBe('failed');
    expect(run.steps.find((step) => step.nodeId === 'call')).toMatchObject({
      status: 'dead', attempts: 1, error: { code: 'refused', retryable: false },
    });
    expect(target.requests).toHaveLength(0);
  });
});
