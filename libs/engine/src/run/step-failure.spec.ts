import type { EdgeSpec, NodeSpec } from '../testing/graph-builder';
import { flowGraph } from '../testing/graph-builder';
import { httpError, httpResponse, RunHarness } from '../testing/run-harness';

describe('step failure: retries, error edges and dead letters', () => {
  const setup = async (retry?: Record<string, unknown>, withErrorEdge = false) => {
    const nodes: NodeSpec[] = [['t', 'trigger'], ['h', 'http', { url: 'https://x.test', method: 'GET', ...(retry ? { retry } : {}) }], ['ok', 'end']];
    const edges: EdgeSpec[] = [['t', 'h'], ['h', 'ok']];
    if (withErrorEdge) {
      nodes.push(['handled', 'transform', { expression: 'input.error.status' }]);
      edges.push(['h', 'handled', 'error']);
    }
    const h = RunHarness.of(flowGraph(nodes, edges));
    await h.start();
    return h;
  };

  it('schedules a retry for a retryable failure', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(503, 'busy'));
    expect(h.types()).toEqual(['StepStarted:h', 'StepFailed:h', 'RetryScheduled:h']);
    expect(h.last().events.map((event) => event.data)).toEqual([
      { attempt: 1 },
      { attempt: 1, error: { code: 'http_status', message: 'HTTP 503: busy', status: 503, retryable: true }, durationMs: 12, final: false, caught: false },
      { attempt: 2, maxAttempts: 5, delayMs: 1000, dueAt: '2025-01-01T00:00:01.000Z' },
    ]);
    expect(h.commands()).toEqual([{ kind: 'schedule', nodeId: 'h', attempt: 2, dueAt: '2025-01-01T00:00:01.000Z', reason: 'retry' }]);
    expect(h.step('h')).toMatchObject({ status: 'retrying', attempts: 1, pendingAttempt: 2, maxAttempts: 5, dueAt: '2025-01-01T00:00:01.000Z', error: { status: 503 } });
    expect(h.state.status).toBe('running');
  });

  it('grows the delay with each attempt and dead-letters when attempts run out', async () => {
    const h = await setup();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      await h.deliver('h', attempt, httpError('network'));
      const retry = h.last().events.find((event) => event.type === 'RetryScheduled');
      delays.push(retry?.type === 'RetryScheduled' ? retry.data.delayMs : -1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    await h.deliver('h', 5, httpError('timeout'));
    expect(h.types()).toEqual(['StepStarted:h', 'StepFailed:h', 'StepDeadLettered:h', 'RunFailed']);
    expect(h.last().events[1]?.data).toMatchObject({ attempt: 5, final: true, caught: false });
    expect(h.commands()).toEqual([{ kind: 'deadLetter', deadLetterId: 'dl-1', nodeId: 'h', attempts: 5, error: { code: 'timeout', message: 'timeout error', retryable: true } }]);
    expect(h.step('h')).toMatchObject({ status: 'dead', attempts: 5, deadLetterId: 'dl-1' });
    expect(h.step('h')).not.toHaveProperty('pendingAttempt');
    expect(h.step('ok')).toBeUndefined();
    expect(h.state.status).toBe('failed');
  });

  it('ignores the message of an attempt that already failed', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(500));
    await expect(h.plan('h', 1)).resolves.toEqual({ kind: 'stale' });
    expect((await h.deliver('h', 1, httpResponse(500))).events).toEqual([]);
    await expect(h.plan('h', 2)).resolves.toMatchObject({ kind: 'http' });
  });

  it('succeeds on a later attempt', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(500));
    await h.deliver('h', 2, httpResponse(502));
    await h.deliver('h', 3, httpResponse(200, 'fine'));
    expect(h.step('h')).toMatchObject({ status: 'succeeded', attempts: 3, output: { body: 'fine' } });
    expect(h.step('h')).not.toHaveProperty('error');
    expect(h.state.status).toBe('succeeded');
  });

  it('honours Retry-After on a 429', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(429, '', { 'Retry-After': '30' }));
    expect(h.commands()).toEqual([{ kind: 'schedule', nodeId: 'h', attempt: 2, dueAt: '2025-01-01T00:00:30.000Z', reason: 'retry' }]);
  });

  it('applies jitter from the clock', async () => {
    const h = await setup();
    h.clock.randomValue = 0;
    await h.deliver('h', 1, httpResponse(500));
    expect(h.last().events[2]?.data).toMatchObject({ delayMs: 800 });
  });

  it('uses the node retry policy', async () => {
    const h = await setup({ maxAttempts: 2, initialIntervalMs: 50, jitter: 0 });
    await h.deliver('h', 1, httpResponse(500));
    expect(h.last().events[2]?.data).toEqual({ attempt: 2, maxAttempts: 2, delayMs: 50, dueAt: '2025-01-01T00:00:00.050Z' });
    await h.deliver('h', 2, httpResponse(500));
    expect(h.step('h')?.status).toBe('dead');
  });

  it('dead-letters a final failure at once', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(404));
    expect(h.types()).toEqual(['StepStarted:h', 'StepFailed:h', 'StepDeadLettered:h', 'RunFailed']);
    expect(h.step('h')).toMatchObject({ status: 'dead', attempts: 1, error: { status: 404, retryable: false } });
  });

  it('follows the error edge instead of dead-lettering, skipping the default edge', async () => {
    const h = await setup(undefined, true);
    await h.deliver('h', 1, httpResponse(404));
    expect(h.types()).toEqual(['StepStarted:h', 'StepFailed:h', 'StepSkipped:ok', 'StepScheduled:handled', 'StepStarted:handled', 'StepSucceeded:handled', 'RunSucceeded']);
    expect(h.last().events[1]?.data).toMatchObject({ final: true, caught: true });
    expect(h.commands()).toEqual([]);
    expect(h.step('h')).toMatchObject({ status: 'failed', caught: true, output: { error: { status: 404 } } });
    expect(h.step('handled')?.output).toBe(404);
  });

  it('retries before taking the error edge', async () => {
    const h = await setup({ maxAttempts: 2 }, true);
    await h.deliver('h', 1, httpResponse(500));
    expect(h.step('h')?.status).toBe('retrying');
    expect(h.step('handled')).toBeUndefined();
    await h.deliver('h', 2, httpResponse(500));
    expect(h.statuses()).toMatchObject({ h: 'failed', ok: 'skipped', handled: 'succeeded' });
  });
});
