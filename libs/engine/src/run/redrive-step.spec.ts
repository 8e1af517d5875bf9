import { flowGraph } from '../testing/graph-builder';
import { httpResponse, RunHarness } from '../testing/run-harness';
import { accelerateRetry, redriveStep } from './redrive-step';
import type { Transition } from './transition';

describe('redriveStep and accelerateRetry', () => {
  const setup = async () => {
    const h = RunHarness.of(flowGraph(
      [['t', 'trigger'], ['h', 'http', { url: 'https://x.test', method: 'GET', retry: { maxAttempts: 2 } }], ['x', 'transform', { expression: 'input.status' }]],
      [['t', 'h'], ['h', 'x']],
    ));
    await h.start();
    return h;
  };
  const asTransition = (result: Transition | { error: string }): Transition => {
    if ('error' in result) throw new Error(`expected a transition, got ${result.error}`);
    return result;
  };
  const killStep = async (h: RunHarness) => {
    await h.deliver('h', 1, httpResponse(500));
    await h.deliver('h', 2, httpResponse(500));
    expect(h.state.status).toBe('failed');
  };

  it('puts a dead step back in play with fresh attempts', async () => {
    const h = await setup();
    await killStep(h);
    h.clock.advance(60_000);
    const transition = h.record(asTransition(redriveStep(h.flow, h.state, 'h', 'redrive', h.clock)));
    expect(transition.events).toEqual([
      { type: 'StepRedriven', runId: 'run-1', seq: transition.state.lastSeq, nodeId: 'h', at: '2025-01-01T00:01:00.000Z', data: { attempt: 1, reason: 'redrive' } },
    ]);
    expect(transition.commands).toEqual([{ kind: 'resolveDeadLetter', deadLetterId: 'dl-1' }, { kind: 'dispatch', nodeId: 'h', attempt: 1 }]);
    expect(h.step('h')).toMatchObject({ status: 'scheduled', attempts: 0, pendingAttempt: 1 });
    expect(h.step('h')).not.toHaveProperty('error');
    expect(h.step('h')).not.toHaveProperty('deadLetterId');
    expect(h.state.status).toBe('running');
    expect(h.state).not.toHaveProperty('finishedAt');
  });

  it('lets the redriven step succeed and the run finish', async () => {
    const h = await setup();
    await killStep(h);
    h.record(asTransition(redriveStep(h.flow, h.state, 'h', 'retry', h.clock)));
    await h.deliver('h', 1, httpResponse(200));
    expect(h.statuses()).toEqual({ t: 'succeeded', h: 'succeeded', x: 'succeeded' });
    expect(h.step('h')?.attempts).toBe(1);
    expect(h.state.status).toBe('succeeded');
    expect(h.events.map((event) => event.type).filter((type) => type.startsWith('Run'))).toEqual(['RunStarted', 'RunFailed', 'RunSucceeded']);
  });

  it('dead-letters again with a new id when the redriven step fails again', async () => {
    const h = await setup();
    await killStep(h);
    h.record(asTransition(redriveStep(h.flow, h.state, 'h', 'redrive', h.clock)));
    await h.deliver('h', 1, httpResponse(400));
    expect(h.step('h')).toMatchObject({ status: 'dead', deadLetterId: 'dl-2', attempts: 1 });
    expect(h.state.status).toBe('failed');
  });

  it('re-runs a dead inline step through settleStep', async () => {
    const h = RunHarness.of(flowGraph([['t', 'trigger'], ['x', 'transform', { expression: '$error("bad")' }]], [['t', 'x']]));
    await h.start();
    h.record(asTransition(redriveStep(h.flow, h.state, 'x', 'redrive', h.clock)));
    await expect(h.plan('x')).resolves.toEqual({ kind: 'local' });
    await h.deliver('x');
    expect(h.types()).toEqual(['StepStarted:x', 'StepFailed:x', 'StepDeadLettered:x', 'RunFailed']);
  });

  it('refuses unknown steps and steps that are not dead', async () => {
    const h = await setup();
    expect(redriveStep(h.flow, h.state, 'nope', 'redrive', h.clock)).toMatchObject({ error: 'not_found' });
    expect(redriveStep(h.flow, h.state, 'x', 'redrive', h.clock)).toMatchObject({ error: 'not_found' });
    expect(redriveStep(h.flow, h.state, 'h', 'redrive', h.clock)).toEqual({
      error: 'conflict', message: 'Step "h" of run run-1 is scheduled; only a dead step can be redriven',
    });
    expect(redriveStep(h.flow, h.state, 't', 'retry', h.clock)).toMatchObject({ error: 'conflict' });
  });

  it('makes a pending retry due now', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(500));
    h.clock.advance(200);
    const transition = h.record(asTransition(accelerateRetry(h.state, 'h', h.clock)));
    expect(transition.events.map((event) => [event.type, event.data])).toEqual([['RetryAccelerated', { attempt: 2, dueAt: '2025-01-01T00:00:00.200Z' }]]);
    expect(transition.commands).toEqual([{ kind: 'schedule', nodeId: 'h', attempt: 2, dueAt: '2025-01-01T00:00:00.200Z', reason: 'retry' }]);
    expect(h.step('h')).toMatchObject({ status: 'retrying', pendingAttempt: 2, dueAt: '2025-01-01T00:00:00.200Z' });
  });

  it('treats "retry now" on a retrying step as an acceleration', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(500));
    const transition = asTransition(redriveStep(h.flow, h.state, 'h', 'retry', h.clock));
    expect(transition.events.map((event) => event.type)).toEqual(['RetryAccelerated']);
    expect(redriveStep(h.flow, h.state, 'h', 'redrive', h.clock)).toMatchObject({ error: 'conflict' });
  });

  it('refuses to accelerate a step that is not retrying', async () => {
    const h = await setup();
    expect(accelerateRetry(h.state, 'h', h.clock)).toEqual({ error: 'conflict', message: 'Step "h" of run run-1 is scheduled, not waiting for a retry' });
    expect(accelerateRetry(h.state, 'zz', h.clock)).toMatchObject({ error: 'not_found' });
  });
});
