import { fastRetry, httpFlow } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

describe('metrics and health', () => {
  const suite = sluiceSuite('server');

  function metric(text: string, name: string): number {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  }

  it('counts runs by status, retries, dead letters and step durations by node type, and reports the outbox backlog', async () => {
    suite.target.reply({ status: 500 });
    const flow = await suite.api.createFlow('metered', httpFlow(`${suite.target.url}/metered`, fastRetry(2)));
    const { runId } = await suite.api.trigger(flow.id, {});
    await suite.api.waitForRun(runId);

    const response = await suite.api.request<string>('GET', '/metrics');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = response.body;
    expect(metric(text, 'sluice_runs_started_total')).toBe(1);
    expect(metric(text, 'sluice_runs_finished_total{status="failed"}')).toBe(1);
    expect(metric(text, 'sluice_retries_scheduled_total')).toBe(1);
    expect(metric(text, 'sluice_dead_letters_total')).toBe(1);
    expect(metric(text, 'sluice_step_duration_seconds_count{node_type="http",outcome="failed"}')).toBe(2);
    expect(metric(text, 'sluice_outbox_backlog')).toBeGreaterThanOrEqual(0);
  });

  it('answers liveness and readiness', async () => {
    expect((await suite.api.request('GET', '/health/live')).status).toBe(200);
    const ready = await suite.api.request<{ checks: { store: string; broker: string } }>('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: 'up', broker: 'up' });
  });

  it('answers 503 from readiness when the store is gone', async () => {
    await suite.sluice.platform.store.close();
    const ready = await suite.api.request<{ checks: { store: string } }>('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store).toBe('down');
  });
});
