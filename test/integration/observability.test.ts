import { ApiClient } from '../support/api-client';
import { fastRetry, httpFlow } from '../support/graphs';
import { startSluice, type Sluice } from '../support/sluice-harness';
import { TargetServer } from '../support/target-server';

describe('metrics and health', () => {
  let sluice: Sluice;
  let target: TargetServer;
  let api: ApiClient;

  beforeAll(async () => {
    sluice = await startSluice('server');
    target = await new TargetServer().start();
    api = new ApiClient(sluice.baseUrl);
  });

  afterAll(async () => {
    await target?.stop();
    await sluice?.close();
  });

  function metric(text: string, name: string): number {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  }

  it('counts runs by status, retries, dead letters and step durations by node type, and reports the outbox backlog', async () => {
    target.reply({ status: 500 });
    const flow = await api.createFlow('metered', httpFlow(`${target.url}/metered`, fastRetry(2)));
    const { runId } = await api.trigger(flow.id, {});
    await api.waitForRun(runId);

    const response = await api.request<string>('GET', '/metrics');

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
    expect((await api.request('GET', '/health/live')).status).toBe(200);
    const ready = await api.request<{ checks: { store: string; broker: string } }>('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: 'up', broker: 'up' });
  });

  it('answers 503 from readiness when the store is gone', async () => {
    await sluice.platform.store.close();
    const ready = await api.request<{ checks: { store: string } }>('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store).toBe('down');
  });
});
