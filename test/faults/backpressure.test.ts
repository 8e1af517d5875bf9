import type { ErrorBody } from '@sluice/contracts';
import type { ApiResponse } from '../support/api-client';
import { fastRetry, httpFlow } from '../support/graphs';
import { sluiceSuite, type Mode } from '../support/sluice-harness';

/**
 * Backpressure (docs/guarantees.md#backpressure): work accepted and not yet
 * done is bounded by SLUICE_MAX_BACKLOG. Past it a trigger waits up to
 * SLUICE_BACKPRESSURE_WAIT_MS, then gets 503 `overloaded` with Retry-After.
 */

function metric(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe.each<Mode>(['rabbitmq', 'sqs'])('backpressure, production mode (%s), default bound', (mode) => {
  const suite = sluiceSuite(mode);

  it('accepts a burst of 300 triggers against an idle system, and runs them all', async () => {
    const flow = await suite.api.createFlow('burst', httpFlow(`${suite.target.url}/burst`, fastRetry(3)));

    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => suite.api.request('POST', `/api/flows/${flow.id}/events`, { i })));

    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 300 }, () => 202));
    const finished = async (): Promise<number> =>
      Number((await suite.sluice.sql<{ n: string }>(`SELECT count(*)::text AS n FROM runs WHERE flow_id = $1 AND status = 'succeeded'`, [flow.id]))[0]?.n);
    await expect(eventually(async () => (await finished()) === 300, 60_000)).resolves.toBe(true);
  });
});

describe.each<Mode>(['rabbitmq', 'sqs', 'server'])('backpressure past a tiny bound (%s)', (mode) => {
  const LIMIT = 4;
  /** A broker whose queues hold the waiting work, which the API reads as sluice_broker_queue_depth. */
  const brokerQueues = mode !== 'server';
  const suite = sluiceSuite(mode, { SLUICE_MAX_BACKLOG: String(LIMIT), SLUICE_BACKPRESSURE_WAIT_MS: '300', WORKER_CONCURRENCY: '1' });
  const answers: ApiResponse<{ runId?: string } & Partial<ErrorBody>>[] = [];
  let flowId = '';
  let busyMetrics = '';

  beforeAll(async () => {
    // Each call takes 400 ms and the worker holds one at a time, so the backlog outgrows the bound at once.
    suite.target.reply({ status: 200, body: { ok: true }, delayMs: 400 });
    flowId = (await suite.api.createFlow('slow', httpFlow(`${suite.target.url}/slow`, fastRetry(1)))).id;
    const sent = Promise.all(Array.from({ length: 40 }, (_, i) => suite.api.request<{ runId?: string } & Partial<ErrorBody>>('POST', `/api/flows/${flowId}/events`, { i })));
    // While the work waits: the backlog gauges as /metrics shows them.
    await eventually(async () => {
      const text = (await suite.api.request<string>('GET', '/metrics')).body;
      const waiting = brokerQueues ? metric(text, 'sluice_broker_queue_depth') : metric(text, 'sluice_backlog');
      if (waiting >= 1) busyMetrics = text;
      return waiting >= 1;
    }, 5_000);
    answers.push(...(await sent));
  });

  it('refuses triggers past the bound with 503 overloaded and Retry-After, and accepts the others', () => {
    const accepted = answers.filter((answer) => answer.status === 202);
    const refused = answers.filter((answer) => answer.status === 503);
    expect(accepted.length + refused.length).toBe(40);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    // The bound, give or take the triggers a reading of the backlog had not seen yet.
    expect(accepted.length).toBeLessThanOrEqual(2 * LIMIT);
    for (const answer of refused) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.body).toEqual({ error: { code: 'overloaded', message: expect.stringContaining('SLUICE_MAX_BACKLOG'), details: expect.objectContaining({ limit: LIMIT }) } });
    }
  });

  it('writes nothing for refused triggers, and runs every accepted one to the end', async () => {
    const accepted = answers.filter((answer) => answer.status === 202).map((answer) => answer.body.runId!);
    const finished = await Promise.all(accepted.map((runId) => suite.api.waitForRun(runId, undefined, 30_000)));
    expect(finished.map((run) => run.status)).toEqual(accepted.map(() => 'succeeded'));

    const runs = await suite.sluice.sql<{ id: string }>('SELECT id FROM runs WHERE flow_id = $1', [flowId]);
    expect(runs.map((run) => run.id).sort()).toEqual([...accepted].sort());
    const historyRuns = await suite.sluice.sql<{ run_id: string }>('SELECT DISTINCT run_id FROM history');
    expect(historyRuns.map((row) => row.run_id).sort()).toEqual([...accepted].sort());
    await expect(eventually(async () => (await suite.sluice.count('outbox')) === 0, 5_000)).resolves.toBe(true);
    expect(suite.target.requests).toHaveLength(accepted.length);
  });

  it('shows the backlog, its bound and the refusals in /metrics', async () => {
    expect(busyMetrics).not.toBe('');
    expect(metric(busyMetrics, 'sluice_backlog')).toBeGreaterThanOrEqual(1);
    expect(metric(busyMetrics, 'sluice_backlog_limit')).toBe(LIMIT);
    expect(metric(busyMetrics, 'sluice_broker_queue_depth')).toBeGreaterThanOrEqual(brokerQueues ? 1 : 0);

    const text = (await suite.api.request<string>('GET', '/metrics')).body;
    expect(metric(text, 'sluice_triggers_refused_total')).toBe(answers.filter((answer) => answer.status === 503).length);
    expect(metric(text, 'sluice_backlog_limit')).toBe(LIMIT);
    expect(metric(text, 'sluice_outbox_backlog')).toBeGreaterThanOrEqual(0);
  });

  it('accepts again once the backlog has drained (the runs above have finished)', async () => {
    const again = await suite.api.request<{ runId: string }>('POST', `/api/flows/${flowId}/events`, { again: true });
    expect(again.status).toBe(202);
    await expect(suite.api.waitForRun(again.body.runId, undefined, 30_000)).resolves.toMatchObject({ status: 'succeeded' });
  });
});
