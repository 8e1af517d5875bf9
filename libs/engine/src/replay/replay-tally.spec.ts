import type { ReplayRunSide } from '@sluice/contracts';
import { flowGraph } from '../testing/graph-builder';
import { compareRuns } from './compare-runs';
import { ReplayTally } from './replay-tally';

const subject = flowGraph(
  [['in', 'trigger'], ['big', 'filter', { condition: 'event.amount > 50' }], ['call', 'http', { url: 'https://x.test/', method: 'GET' }], ['skip', 'ignore']],
  [['in', 'big'], ['big', 'call', 'yes'], ['big', 'skip', 'no']],
);
/** The version the original runs followed: one more node, `old`, after `skip`. */
const originalEdges = [...subject.edges, { id: 'skip-old', source: 'skip', target: 'old', sourceHandle: null }];

const side = (status: ReplayRunSide['status'], path: string[], nodes: ReplayRunSide['nodes']): ReplayRunSide => ({ status, path, nodes });
const ok = (output: unknown = {}, handle: string | null = null) => ({ status: 'succeeded' as const, output, handle });

function setup() {
  const tally = new ReplayTally(subject);
  const add = (before: ReplayRunSide, after: ReplayRunSide) => tally.add({ originalEdges, before, after, comparison: compareRuns(before, after) });
  return { tally, add };
}

describe('ReplayTally', () => {
  it('counts events, changes and failures, and per node and edge what each side reached and took', () => {
    const { tally, add } = setup();
    // Took `no` before, `yes` now, and the http step now fails.
    add(
      side('ignored', ['in-big', 'big-skip', 'skip-old'], { in: ok(), big: ok({}, 'no'), call: { status: 'skipped' }, skip: ok(), old: ok() }),
      side('failed', ['in-big', 'big-call'], { in: ok(), big: ok({}, 'yes'), call: { status: 'dead', error: { code: 'no_recorded_response', message: 'm', retryable: false } }, skip: { status: 'skipped' } }),
    );
    // Unchanged.
    add(
      side('succeeded', ['in-big', 'big-call'], { in: ok(), big: ok({}, 'yes'), call: ok({ status: 200 }) }),
      side('succeeded', ['in-big', 'big-call'], { in: ok(), big: ok({}, 'yes'), call: ok({ status: 200 }) }),
    );
    // The http step failed before and succeeds now, with another output.
    add(
      side('failed', ['in-big', 'big-call'], { in: ok(), big: ok({}, 'yes'), call: { status: 'dead', error: { code: 'timeout', message: 't', retryable: true } } }),
      side('succeeded', ['in-big', 'big-call'], { in: ok(), big: ok({}, 'yes'), call: ok({ status: 201 }) }),
    );

    expect(tally.summary()).toEqual({ events: 3, changed: 2, failed: 1, unchanged: 1 });
    expect(tally.nodeStats()).toEqual([
      { nodeId: 'in', reachedBefore: 3, reachedAfter: 3, outputsChanged: 0, nowFail: 0, nowSucceed: 0 },
      { nodeId: 'big', reachedBefore: 3, reachedAfter: 3, outputsChanged: 1, nowFail: 0, nowSucceed: 0 },
      { nodeId: 'call', reachedBefore: 2, reachedAfter: 3, outputsChanged: 1, nowFail: 1, nowSucceed: 1 },
      { nodeId: 'skip', reachedBefore: 1, reachedAfter: 0, outputsChanged: 0, nowFail: 0, nowSucceed: 0 },
      { nodeId: 'old', reachedBefore: 1, reachedAfter: 0, outputsChanged: 0, nowFail: 0, nowSucceed: 0 },
    ]);
    expect(tally.edgeStats()).toEqual([
      { edgeId: 'in-big', source: 'in', target: 'big', sourceHandle: null, takenBefore: 3, takenAfter: 3 },
      { edgeId: 'big-call', source: 'big', target: 'call', sourceHandle: 'yes', takenBefore: 2, takenAfter: 3 },
      { edgeId: 'big-skip', source: 'big', target: 'skip', sourceHandle: 'no', takenBefore: 1, takenAfter: 0 },
      { edgeId: 'skip-old', source: 'skip', target: 'old', sourceHandle: null, takenBefore: 1, takenAfter: 0 },
    ]);
  });

  it('compares outputs as JSON: keys in another order are the same output', () => {
    const before = side('succeeded', ['in-big'], { in: ok({ b: 2, a: [1, { y: 1, x: null }] }) });
    const after = side('succeeded', ['in-big'], { in: ok({ a: [1, { x: null, y: 1 }], b: 2, gone: undefined }) });
    expect(compareRuns(before, after)).toEqual({ changed: false, pathChanged: false, outputsChanged: [], failedNodes: [] });
    expect(compareRuns(before, side('succeeded', ['in-big'], { in: ok({ b: 2, a: [1, { y: 1 }] }) })).outputsChanged).toEqual(['in']);
  });
});
