import { flowGraph } from '../testing/graph-builder';
import { httpResponse, PUBLISH_GRANTED, RunHarness } from '../testing/run-harness';
import { planStep } from './plan-step';

describe('planStep and settleStep', () => {
  const setup = async (body?: string) => {
    const h = RunHarness.of(flowGraph(
      [
        ['t', 'trigger'],
        ['h', 'http', { url: 'https://x.test/orders', method: 'POST', timeoutMs: 2000, ...(body ? { body } : {}) }],
        ['x', 'transform', { expression: 'input.body.id' }],
        ['p', 'publish', { topic: 'orders.done' }],
        ['e', 'end'],
      ],
      [['t', 'h'], ['h', 'x'], ['x', 'p'], ['p', 'e']],
    ));
    await h.start({ id: 42 });
    return h;
  };

  it('plans an http request for a live http step', async () => {
    const h = await setup('{ "order": event.id }');
    await expect(h.plan('h')).resolves.toEqual({
      kind: 'http',
      request: { url: 'https://x.test/orders', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order":42}', timeoutMs: 2000 },
    });
  });

  it('records the http outcome and runs the inline steps after it', async () => {
    const h = await setup();
    const transition = await h.deliver('h', 1, httpResponse(201, { id: 'o-1' }, { 'content-type': 'application/json' }));
    expect(h.types()).toEqual(['StepStarted:h', 'StepSucceeded:h', 'StepScheduled:x', 'StepStarted:x', 'StepSucceeded:x', 'StepScheduled:p']);
    expect(transition.events[0]).toMatchObject({ seq: 6, at: '2025-01-01T00:00:00.000Z' });
    expect(h.step('h')).toMatchObject({ status: 'succeeded', attempts: 1, durationMs: 12, output: { status: 201, headers: { 'content-type': 'application/json' }, body: { id: 'o-1' } } });
    expect(h.step('x')?.output).toBe('o-1');
    expect(h.commands()).toEqual([{ kind: 'dispatch', nodeId: 'p', attempt: 1 }]);
  });

  it('publishes with a deterministic event id and finishes the run', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(200, { id: 'o-1' }));
    await expect(h.plan('p')).resolves.toEqual({ kind: 'local' });
    await h.deliver('p', 1, PUBLISH_GRANTED);
    expect(h.commands()).toEqual([
      { kind: 'publish', nodeId: 'p', topic: 'orders.done', eventId: 'run-1:p', payload: 'o-1', chain: { originEventId: 'evt-1', depth: 1 } },
    ]);
    expect(h.step('p')?.output).toEqual({ topic: 'orders.done', eventId: 'run-1:p' });
    expect(h.types()).toEqual(['StepStarted:p', 'StepSucceeded:p', 'StepScheduled:e', 'StepStarted:e', 'StepSucceeded:e', 'RunSucceeded']);
  });

  describe('staleness', () => {
    it('ignores a redelivered message once the step succeeded', async () => {
      const h = await setup();
      await h.deliver('h', 1, httpResponse(200));
      const lastSeq = h.state.lastSeq;
      await expect(h.plan('h')).resolves.toEqual({ kind: 'stale' });
      const again = await h.deliver('h', 1, httpResponse(200));
      expect(again).toEqual({ state: h.state, events: [], commands: [] });
      expect(h.state.lastSeq).toBe(lastSeq);
      expect(h.events.filter((event) => event.type === 'StepSucceeded' && event.nodeId === 'h')).toHaveLength(1);
    });

    it('ignores a message for another attempt, an unknown step or another run', async () => {
      const h = await setup();
      await expect(h.plan('h', 2)).resolves.toEqual({ kind: 'stale' });
      await expect(h.plan('zz')).resolves.toEqual({ kind: 'stale' });
      await expect(planStep(h.flow, h.state, { kind: 'step', runId: 'other', nodeId: 'h', attempt: 1 })).resolves.toEqual({ kind: 'stale' });
      expect((await h.deliver('h', 2, httpResponse(200))).events).toEqual([]);
    });

    it('ignores messages for steps that already ran inline', async () => {
      const h = await setup();
      await expect(h.plan('t')).resolves.toEqual({ kind: 'stale' });
      expect((await h.deliver('t')).events).toEqual([]);
    });

    it('ignores every message once the run finished', async () => {
      const h = await setup();
      await h.deliver('h', 1, httpResponse(200, { id: 1 }));
      await h.deliver('p', 1, PUBLISH_GRANTED);
      expect(h.state.status).toBe('succeeded');
      expect((await h.deliver('p', 1, PUBLISH_GRANTED)).events).toEqual([]);
    });
  });

  it('fails an http step finally when its body expression fails', async () => {
    const h = await setup('$error("no body")');
    await expect(h.plan('h')).resolves.toEqual({ kind: 'local' });
    await h.deliver('h');
    expect(h.types()).toEqual(['StepStarted:h', 'StepFailed:h', 'StepDeadLettered:h', 'RunFailed']);
    expect(h.step('h')).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'expression', retryable: false } });
    expect(h.commands('deadLetter')).toEqual([
      { kind: 'deadLetter', deadLetterId: 'dl-1', nodeId: 'h', attempts: 1, error: expect.objectContaining({ code: 'expression' }) },
    ]);
  });

  it('throws when an http step with a valid request is settled without its effect', async () => {
    const h = await setup();
    await expect(h.deliver('h')).rejects.toThrow(/without the effect/);
  });

  it('finishes the run only when every parallel branch has finished', async () => {
    const h = RunHarness.of(flowGraph(
      [['t', 'trigger'], ['a', 'http', { url: 'https://a.test', method: 'GET' }], ['b', 'http', { url: 'https://b.test', method: 'GET' }]],
      [['t', 'a'], ['t', 'b']],
    ));
    await h.start();
    await h.deliver('a', 1, httpResponse(200));
    expect(h.state.status).toBe('running');
    await h.deliver('b', 1, httpResponse(200));
    expect(h.state.status).toBe('succeeded');
    expect(h.types()).toEqual(['StepStarted:b', 'StepSucceeded:b', 'RunSucceeded']);
  });
});
