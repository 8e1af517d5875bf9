import { type EdgeSpec, flowGraph, type NodeSpec } from '../testing/graph-builder';
import { RunHarness } from '../testing/run-harness';
import { startRun } from './start-run';

describe('startRun', () => {
  const setup = (nodes: NodeSpec[], edges: EdgeSpec[]) => RunHarness.of(flowGraph(nodes, edges));
  const significance: NodeSpec[] = [
    ['t', 'trigger'],
    ['f', 'filter', { condition: 'event.amount > 100' }],
    ['x', 'transform', { expression: '{ "amount": input.amount, "big": true }' }],
    ['e', 'end'],
    ['i', 'ignore', { reason: 'small' }],
  ];
  const significanceEdges: EdgeSpec[] = [['t', 'f'], ['f', 'x', 'yes'], ['x', 'e'], ['f', 'i', 'no']];

  it('records RunStarted with the trigger details at seq 1', async () => {
    const h = setup([['t', 'trigger'], ['e', 'end']], [['t', 'e']]);
    const chain = { originEventId: 'origin', depth: 3 };
    const transition = await startRun(h.flow, { runId: 'r9', eventId: 'ev', payload: { a: 1 }, source: 'publish', topic: 'a.b', parentRunId: 'r1', parentNodeId: 'p', chain }, h.clock);
    expect(transition.events[0]).toEqual({
      type: 'RunStarted', runId: 'r9', seq: 1, at: '2025-01-01T00:00:00.000Z',
      data: { flowId: 'flow-1', flowVersion: 1, eventId: 'ev', payload: { a: 1 }, source: 'publish', topic: 'a.b', parentRunId: 'r1', parentNodeId: 'p', chain },
    });
    expect(transition.state).toMatchObject({ id: 'r9', flowId: 'flow-1', eventId: 'ev', source: 'publish', topic: 'a.b', parentRunId: 'r1', chain });
  });

  it('starts a chain of its own, at depth 0, for a run not started by a publish', async () => {
    const h = setup([['t', 'trigger'], ['e', 'end']], [['t', 'e']]);
    const transition = await h.start();
    expect(transition.events[0]?.data).toMatchObject({ eventId: 'evt-1', chain: { originEventId: 'evt-1', depth: 0 } });
    expect(h.state.chain).toEqual({ originEventId: 'evt-1', depth: 0 });
  });

  it('runs inline steps within the same transition, passing outputs along edges', async () => {
    const h = setup(significance, significanceEdges);
    h.clock.tickMs = 1;
    const transition = await h.start({ amount: 150 });
    expect(h.types()).toEqual([
      'RunStarted',
      'StepScheduled:t', 'StepStarted:t', 'StepSucceeded:t',
      'StepScheduled:f', 'StepStarted:f', 'StepSucceeded:f',
      'StepSkipped:i',
      'StepScheduled:x', 'StepStarted:x', 'StepSucceeded:x',
      'StepScheduled:e', 'StepStarted:e', 'StepSucceeded:e',
      'RunSucceeded',
    ]);
    expect(transition.events.map((event) => event.seq)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
    expect(transition.commands).toEqual([]);
    expect(h.state.status).toBe('succeeded');
    expect(h.step('f')).toMatchObject({ status: 'succeeded', handle: 'yes', output: { amount: 150 }, from: 't', attempts: 1, maxAttempts: 5 });
    expect(h.step('x')?.output).toEqual({ amount: 150, big: true });
    expect(h.step('e')).toMatchObject({ output: { amount: 150, big: true }, from: 'x' });
    expect(h.step('t')).not.toHaveProperty('from');
    expect(h.step('x')?.durationMs).toBe(1);
  });

  it('skips the branch the filter does not take, and downstream of it', async () => {
    const h = setup(significance, significanceEdges);
    await h.start({ amount: 5 });
    expect(h.statuses()).toEqual({ t: 'succeeded', f: 'succeeded', x: 'skipped', e: 'skipped', i: 'succeeded' });
    const skipped = h.last().events.filter((event) => event.type === 'StepSkipped').map((event) => event.data);
    expect(skipped).toEqual([{ reason: 'branch yes of "f" was not taken' }, { reason: 'upstream step "x" was skipped' }]);
    expect(h.state.status).toBe('ignored');
  });

  it('does not skip a merge node while another input can still fire', async () => {
    const h = setup(
      [['t', 'trigger'], ['f', 'filter', { condition: 'false' }], ['a', 'transform', { expression: '"a"' }], ['h', 'http', { url: 'https://x.test', method: 'GET' }], ['m', 'end']],
      [['t', 'f'], ['t', 'h'], ['f', 'a', 'yes'], ['a', 'm'], ['h', 'm']],
    );
    await h.start();
    expect(h.statuses()).toMatchObject({ a: 'skipped', h: 'scheduled' });
    expect(h.step('m')).toBeUndefined();
    expect(h.state.status).toBe('running');
  });

  it('runs every target of a handle in parallel branches', async () => {
    const h = setup(
      [['t', 'trigger'], ['a', 'http', { url: 'https://a.test', method: 'GET' }], ['b', 'http', { url: 'https://b.test', method: 'GET' }], ['c', 'transform', { expression: '"c"' }]],
      [['t', 'a'], ['t', 'b'], ['t', 'c']],
    );
    await h.start();
    expect(h.commands()).toEqual([{ kind: 'dispatch', nodeId: 'a', attempt: 1 }, { kind: 'dispatch', nodeId: 'b', attempt: 1 }]);
    expect(h.statuses()).toEqual({ t: 'succeeded', a: 'scheduled', b: 'scheduled', c: 'succeeded' });
    expect(h.step('a')).toMatchObject({ pendingAttempt: 1, from: 't', attempts: 0 });
    expect(h.state.status).toBe('running');
  });

  it('runs a merge node once, fed by the first branch to arrive', async () => {
    const h = setup(
      [['t', 'trigger'], ['a', 'transform', { expression: '"from a"' }], ['b', 'transform', { expression: '"from b"' }], ['m', 'transform', { expression: 'input' }]],
      [['t', 'a'], ['t', 'b'], ['a', 'm'], ['b', 'm']],
    );
    await h.start();
    expect(h.types().filter((type) => type === 'StepSucceeded:m')).toHaveLength(1);
    expect(h.step('m')).toMatchObject({ from: 'a', output: 'from a' });
    expect(h.state.status).toBe('succeeded');
  });

  it('gives expressions the payload, earlier outputs and the step input', async () => {
    const h = setup(
      [['t', 'trigger'], ['a', 'transform', { expression: '{ "v": event.v * 2 }' }], ['b', 'transform', { expression: '[event.v, steps.a.v, input.v, steps.t.v]' }]],
      [['t', 'a'], ['a', 'b']],
    );
    await h.start({ v: 3 });
    expect(h.step('b')?.output).toEqual([3, 6, 6, 3]);
  });

  it('dispatches effectful steps instead of running them', async () => {
    const h = setup([['t', 'trigger'], ['p', 'publish', { topic: 'a.b' }], ['d', 'delay', { ms: 10 }]], [['t', 'p'], ['t', 'd']]);
    await h.start();
    expect(h.types()).toContain('StepScheduled:p');
    expect(h.types()).not.toContain('StepStarted:p');
    expect(h.commands().map((command) => command.kind)).toEqual(['dispatch', 'dispatch']);
  });

  describe('completion status', () => {
    it('is ignored only when every leaf is an ignore node', async () => {
      const both = setup([['t', 'trigger'], ['i', 'ignore'], ['j', 'ignore']], [['t', 'i'], ['t', 'j']]);
      await both.start();
      expect(both.state.status).toBe('ignored');
      const mixed = setup([['t', 'trigger'], ['i', 'ignore'], ['e', 'end']], [['t', 'i'], ['t', 'e']]);
      await mixed.start();
      expect(mixed.state.status).toBe('succeeded');
    });

    it('is succeeded when a filter leaves by a handle with no edges', async () => {
      const h = setup([['t', 'trigger'], ['f', 'filter', { condition: 'false' }], ['i', 'ignore']], [['t', 'f'], ['f', 'i', 'yes']]);
      await h.start();
      expect(h.statuses()).toEqual({ t: 'succeeded', f: 'succeeded', i: 'skipped' });
      expect(h.state.status).toBe('succeeded');
    });

    it('is failed when a step is dead', async () => {
      const h = setup([['t', 'trigger'], ['x', 'transform', { expression: '$error("bad")' }], ['e', 'end']], [['t', 'x'], ['x', 'e']]);
      await h.start();
      expect(h.types().slice(-4)).toEqual(['StepStarted:x', 'StepFailed:x', 'StepDeadLettered:x', 'RunFailed']);
      expect(h.step('e')).toBeUndefined();
      expect(h.state).toMatchObject({ status: 'failed', finishedAt: '2025-01-01T00:00:00.000Z' });
    });
  });

  it('follows the error edge of a failing inline step and skips its default edges', async () => {
    const h = setup(
      [['t', 'trigger'], ['x', 'transform', { expression: '$error("bad")' }], ['ok', 'end'], ['oops', 'transform', { expression: 'input.error.code' }]],
      [['t', 'x'], ['x', 'ok'], ['x', 'oops', 'error']],
    );
    await h.start();
    expect(h.statuses()).toEqual({ t: 'succeeded', x: 'failed', ok: 'skipped', oops: 'succeeded' });
    expect(h.step('x')).toMatchObject({ caught: true, output: { error: { code: 'expression', retryable: false } } });
    expect(h.step('oops')?.output).toBe('expression');
    expect(h.commands()).toEqual([]);
    expect(h.state.status).toBe('succeeded');
  });

  it('skips the error branch of a step that succeeded', async () => {
    const h = setup(
      [['t', 'trigger'], ['x', 'transform', { expression: '1' }], ['ok', 'end'], ['oops', 'end']],
      [['t', 'x'], ['x', 'ok'], ['x', 'oops', 'error']],
    );
    await h.start();
    expect(h.statuses()).toMatchObject({ ok: 'succeeded', oops: 'skipped' });
  });
});

describe('startRun with search keys', () => {
  const setup = (searchKeys?: unknown) => RunHarness.of(flowGraph([['t', 'trigger', searchKeys === undefined ? {} : { searchKeys }], ['e', 'end']], [['t', 'e']]));

  it('returns the values of the declared keys with the transition that starts the run', async () => {
    const h = setup([{ name: 'orderId', expression: 'orderId' }, { name: 'sku', expression: 'items.sku' }]);
    const transition = await h.start({ orderId: 'A-17', items: [{ sku: 'S1' }, { sku: 'S2' }] });
    expect(transition.searchKeys).toEqual([{ name: 'orderId', value: 'A-17' }, { name: 'sku', value: 'S1' }, { name: 'sku', value: 'S2' }]);
    expect(h.state.status).toBe('succeeded');
  });

  it('starts the run as usual when a key fails to evaluate', async () => {
    const h = setup([{ name: 'bad', expression: '$error("boom")' }]);
    const transition = await h.start({ orderId: 'A-17' });
    expect(transition.searchKeys).toEqual([]);
    expect(h.state.status).toBe('succeeded');
  });

  it('carries no search keys for a flow that declares none', async () => {
    const transition = await setup().start({ orderId: 'A-17' });
    expect(transition).not.toHaveProperty('searchKeys');
  });
});
