import type { FlowGraph, HistoryEvent, RunState } from '@sluice/contracts';
import { compileFlow } from '../graph/compile-flow';
import { flowGraph, type EdgeSpec, type NodeSpec } from '../testing/graph-builder';
import { httpError, httpResponse, PUBLISH_GRANTED, RunHarness } from '../testing/run-harness';
import { compareRuns } from './compare-runs';
import { replayRun, type ReplayRunOptions } from './replay-run';
import { describeRun } from './run-side';

const ORDER = { amount: 70, id: 'o-1' };

/** trigger → filter(amount > threshold) → yes: http → end, no: ignore */
function orderGraph(threshold: number, extra: { nodes?: NodeSpec[]; edges?: EdgeSpec[]; retry?: Record<string, unknown> } = {}): FlowGraph {
  return flowGraph(
    [
      ['in', 'trigger'],
      ['big', 'filter', { condition: `event.amount > ${threshold}` }],
      ['call', 'http', { url: 'https://x.test/orders', method: 'POST', body: 'event', ...(extra.retry ? { retry: extra.retry } : {}) }],
      ['done', 'end'],
      ['skip', 'ignore'],
      ...(extra.nodes ?? []),
    ],
    [['in', 'big'], ['big', 'call', 'yes'], ['call', 'done'], ['big', 'skip', 'no'], ...(extra.edges ?? [])],
  );
}

/** A recorded run: the harness plays the runtime, `deliver` answers the steps it dispatches. */
async function recordRun(graph: FlowGraph, payload: unknown, deliver: (h: RunHarness) => Promise<void> = async () => undefined) {
  const h = RunHarness.of(graph);
  await h.start(payload);
  await deliver(h);
  return { graph, history: h.events as readonly HistoryEvent[], state: h.state };
}

type Recorded = Awaited<ReturnType<typeof recordRun>>;

const httpNodes = (graph: FlowGraph): Set<string> => new Set(graph.nodes.filter((node) => node.type === 'http').map((node) => node.id));

/** Replays a recorded run through `subject`, answering http from the record of the graph it followed. */
async function setup(original: Recorded, subject: FlowGraph, options: Partial<ReplayRunOptions> = {}) {
  const replayed = await replayRun(compileFlow('flow-1', 0, subject), original.history, { recordedHttpNodes: httpNodes(original.graph), ...options });
  const before = describeRun(original.graph.edges, original.state);
  const after = describeRun(subject.edges, replayed.state);
  return { replayed, before, after, comparison: compareRuns(before, after) };
}

const step = (state: RunState, nodeId: string) => state.steps.find((candidate) => candidate.nodeId === nodeId);

describe('replayRun', () => {
  it('takes the other branch when the filter threshold changed, and the path says so', async () => {
    const original = await recordRun(orderGraph(100), ORDER);
    expect(original.state.status).toBe('ignored');

    const { replayed, before, after, comparison } = await setup(original, orderGraph(50));

    expect(before.path).toEqual(['in-big', 'big-skip']);
    // The record has no response for `call` (the original never reached it): it fails without a stub.
    expect(after.path).toEqual(['in-big', 'big-call']);
    expect(step(replayed.state, 'call')).toMatchObject({ status: 'dead', error: { code: 'no_recorded_response' } });
    expect(step(replayed.state, 'big')).toMatchObject({ status: 'succeeded', handle: 'yes' });
    expect(comparison).toMatchObject({ changed: true, pathChanged: true, outputsChanged: ['big'] });
  });

  it('leaves an unchanged graph unchanged: same path, same status, same outputs', async () => {
    const original = await recordRun(orderGraph(50), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(201, { accepted: true, ref: 'r-9' }, { 'content-type': 'application/json' }));
    });
    expect(original.state.status).toBe('succeeded');

    const { replayed, comparison, before, after } = await setup(original, orderGraph(50));

    expect(comparison).toEqual({ changed: false, pathChanged: false, outputsChanged: [], failedNodes: [] });
    expect(after).toEqual(before);
    expect(replayed.state.startedAt).toBe(original.state.startedAt);
  });

  it('answers an http step from the response the original run recorded for the same node id', async () => {
    const original = await recordRun(orderGraph(50), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(200, { price: 12 }, { 'content-type': 'application/json', 'x-trace': 't-1' }));
    });
    const subject = orderGraph(50, {
      nodes: [['price', 'transform', { expression: 'steps.call.body.price * 2' }]],
      edges: [['call', 'price']],
    });

    const { replayed, comparison } = await setup(original, subject);

    expect(step(replayed.state, 'call')).toMatchObject({
      status: 'succeeded', output: { status: 200, headers: { 'content-type': 'application/json', 'x-trace': 't-1' }, body: { price: 12 } },
    });
    expect(step(replayed.state, 'price')).toMatchObject({ status: 'succeeded', output: 24 });
    expect(comparison.pathChanged).toBe(true);
    expect(comparison.outputsChanged).toEqual([]);
  });

  it('fails an http node new in the draft with no_recorded_response when no stub is given, and the run fails', async () => {
    const original = await recordRun(orderGraph(50), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(200, {}));
    });
    const subject = orderGraph(50, {
      nodes: [['audit', 'http', { url: 'https://audit.test/', method: 'POST' }]],
      edges: [['call', 'audit']],
    });

    const { replayed, comparison } = await setup(original, subject);

    expect(step(replayed.state, 'audit')).toMatchObject({
      status: 'dead', attempts: 1, error: { code: 'no_recorded_response', retryable: false, message: expect.stringContaining('"audit"') },
    });
    expect(replayed.state.status).toBe('failed');
    expect(comparison).toMatchObject({ changed: true, failedNodes: ['audit'] });
  });

  it('answers an http node new in the draft from its stub', async () => {
    const original = await recordRun(orderGraph(50), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(200, {}));
    });
    const subject = orderGraph(50, {
      nodes: [['audit', 'http', { url: 'https://audit.test/', method: 'POST' }], ['logged', 'transform', { expression: 'input.body.id' }]],
      edges: [['call', 'audit'], ['audit', 'logged']],
    });

    const { replayed } = await setup(original, subject, { stubs: { audit: { status: 202, headers: { 'X-Audit': 'a' }, body: { id: 'a-1' } } } });

    expect(step(replayed.state, 'audit')).toMatchObject({ status: 'succeeded', output: { status: 202, headers: { 'x-audit': 'a' }, body: { id: 'a-1' } } });
    expect(step(replayed.state, 'logged')?.output).toBe('a-1');
    expect(replayed.state.status).toBe('succeeded');
  });

  it('prefers the record to a stub for a node the original run reached', async () => {
    const original = await recordRun(orderGraph(50), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(200, { from: 'record' }));
    });

    const { replayed } = await setup(original, orderGraph(50), { stubs: { call: { body: { from: 'stub' } } } });

    expect(step(replayed.state, 'call')?.output).toMatchObject({ body: { from: 'record' } });
  });

  it('a stub answers a node the original run never reached, and a failing stub status is classified as a response', async () => {
    const original = await recordRun(orderGraph(100), ORDER);
    const subject = orderGraph(50, { retry: { maxAttempts: 2, initialIntervalMs: 60_000 } });

    const { replayed } = await setup(original, subject, { stubs: { call: { status: 503, body: 'down' } } });

    expect(step(replayed.state, 'call')).toMatchObject({ status: 'dead', attempts: 2, error: { code: 'http_status', status: 503, message: 'HTTP 503: down' } });
  });

  it('records what a publish would publish and what a delay would wait, and finishes the run at once', async () => {
    const graph = flowGraph(
      [['in', 'trigger'], ['wait', 'delay', { ms: 2_592_000_000 }], ['out', 'publish', { topic: 'orders.placed' }], ['done', 'end']],
      [['in', 'wait'], ['wait', 'out'], ['out', 'done']],
    );
    const original = await recordRun(graph, ORDER, async (h) => {
      await h.deliver('wait', 1);
      h.clock.advance(2_592_000_000);
      await h.deliver('wait', 1);
      await h.deliver('out', 1, PUBLISH_GRANTED);
    });
    expect(original.state.status).toBe('succeeded');

    const { replayed, comparison } = await setup(original, graph);

    expect(replayed.publishes).toEqual([{ nodeId: 'out', topic: 'orders.placed', payload: ORDER }]);
    expect(replayed.delays).toEqual([{ nodeId: 'wait', ms: 2_592_000_000 }]);
    expect(replayed.state.status).toBe('succeeded');
    expect(step(replayed.state, 'out')?.output).toEqual({ topic: 'orders.placed', eventId: 'run-1:out' });
    expect(comparison.changed).toBe(false);
  });

  it('answers retries per attempt: attempt k from recorded attempt k, and past the record from the last one', async () => {
    const retry = { maxAttempts: 3, initialIntervalMs: 1000, jitter: 0 };
    const original = await recordRun(orderGraph(50, { retry }), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(503, 'busy'));
      await h.deliver('call', 2, httpError('timeout'));
      await h.deliver('call', 3, httpResponse(200, { third: true }));
    });
    expect(step(original.state, 'call')).toMatchObject({ status: 'succeeded', attempts: 3 });

    const same = await setup(original, orderGraph(50, { retry }));
    expect(same.comparison.changed).toBe(false);
    expect(step(same.replayed.state, 'call')).toMatchObject({ status: 'succeeded', attempts: 3, output: { body: { third: true } } });

    const once = await setup(original, orderGraph(50, { retry: { ...retry, maxAttempts: 1 } }));
    expect(step(once.replayed.state, 'call')).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'http_status', status: 503, message: 'HTTP 503: busy' } });

    const twice = await setup(original, orderGraph(50, { retry: { ...retry, maxAttempts: 2 } }));
    expect(step(twice.replayed.state, 'call')).toMatchObject({ status: 'dead', attempts: 2, error: { code: 'timeout', message: 'timeout error' } });
    expect(twice.comparison).toMatchObject({ changed: true, failedNodes: ['call'] });

    const failing = await recordRun(orderGraph(50, { retry: { ...retry, maxAttempts: 2 } }), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(503, 'busy'));
      await h.deliver('call', 2, httpResponse(502, { reason: 'gateway' }));
    });
    const more = await setup(failing, orderGraph(50, { retry: { ...retry, maxAttempts: 4 } }));
    expect(step(more.replayed.state, 'call')).toMatchObject({ status: 'dead', attempts: 4 });
    expect(step(more.replayed.state, 'call')?.error).toEqual(step(failing.state, 'call')?.error);
    expect(step(failing.state, 'call')?.error).toMatchObject({ code: 'http_status', status: 502, message: 'HTTP 502: {"reason":"gateway"}' });
  });

  it('evaluates expressions with their bounds, as in real runs', async () => {
    const original = await recordRun(orderGraph(50), ORDER, async (h) => {
      await h.deliver('call', 1, httpResponse(200, {}));
    });
    const subject = orderGraph(50, {
      nodes: [['deep', 'transform', { expression: '($f := function($n) { 1 + $f($n + 1) }; $f(0))' }]],
      edges: [['call', 'deep']],
    });

    const { replayed } = await setup(original, subject);

    expect(step(replayed.state, 'deep')).toMatchObject({ status: 'dead', error: { code: 'expression', message: expect.stringMatching(/nested evaluation frames/) } });
  });

  it('refuses a history that does not begin with RunStarted', async () => {
    const original = await recordRun(orderGraph(100), ORDER);
    await expect(replayRun(compileFlow('flow-1', 0, orderGraph(100)), original.history.slice(1), { recordedHttpNodes: new Set() }))
      .rejects.toThrow(/RunStarted/);
  });
});
