import { flowGraph } from '../testing/graph-builder';
import { RunHarness } from '../testing/run-harness';

describe('delay step', () => {
  const setup = async (ms = 5000) => {
    const h = RunHarness.of(flowGraph([['t', 'trigger'], ['d', 'delay', { ms }], ['e', 'end']], [['t', 'd'], ['d', 'e']]));
    await h.start({ v: 1 });
    return h;
  };

  it('starts a durable timer on its first message', async () => {
    const h = await setup();
    await expect(h.plan('d')).resolves.toEqual({ kind: 'local' });
    await h.deliver('d');
    expect(h.types()).toEqual(['StepStarted:d', 'TimerStarted:d']);
    expect(h.last().events[1]?.data).toEqual({ dueAt: '2025-01-01T00:00:05.000Z', delayMs: 5000 });
    expect(h.commands()).toEqual([{ kind: 'schedule', nodeId: 'd', attempt: 1, dueAt: '2025-01-01T00:00:05.000Z', reason: 'delay' }]);
    expect(h.step('d')).toMatchObject({ status: 'running', pendingAttempt: 1, dueAt: '2025-01-01T00:00:05.000Z' });
  });

  it('succeeds with its input when the timer message returns, and moves on', async () => {
    const h = await setup();
    await h.deliver('d');
    h.clock.advance(5000);
    await expect(h.plan('d')).resolves.toEqual({ kind: 'local' });
    await h.deliver('d');
    expect(h.types()).toEqual(['StepSucceeded:d', 'StepScheduled:e', 'StepStarted:e', 'StepSucceeded:e', 'RunSucceeded']);
    expect(h.step('d')).toMatchObject({ status: 'succeeded', output: { v: 1 }, durationMs: 5000 });
    expect(h.step('d')).not.toHaveProperty('dueAt');
  });

  it('re-arms the timer instead of finishing early when the message comes back too soon', async () => {
    const h = await setup();
    await h.deliver('d');
    h.clock.advance(1000);
    const early = await h.deliver('d');
    expect(early.events).toEqual([]);
    expect(early.commands).toEqual([{ kind: 'schedule', nodeId: 'd', attempt: 1, dueAt: '2025-01-01T00:00:05.000Z', reason: 'delay' }]);
    expect(h.step('d')?.status).toBe('running');
  });

  it('ends the delay when the timer fires slightly early (clock skew)', async () => {
    const h = await setup();
    await h.deliver('d');
    h.clock.advance(4500);
    await h.deliver('d');
    expect(h.step('d')?.status).toBe('succeeded');
  });

  it('ignores the timer message once the delay has succeeded', async () => {
    const h = await setup();
    await h.deliver('d');
    h.clock.advance(5000);
    await h.deliver('d');
    await expect(h.plan('d')).resolves.toEqual({ kind: 'stale' });
    expect((await h.deliver('d')).events).toEqual([]);
  });

  it('passes straight through with a zero delay', async () => {
    const h = await setup(0);
    await h.deliver('d');
    expect(h.types()).toEqual(['StepStarted:d', 'StepSucceeded:d', 'StepScheduled:e', 'StepStarted:e', 'StepSucceeded:e', 'RunSucceeded']);
  });
});
