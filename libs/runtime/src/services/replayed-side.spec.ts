import type { ReplayedRunSide, ReplayRunSide } from '@sluice/contracts';
import { readSide, storedSide } from './replayed-side';

function setup() {
  const response = { status: 200, headers: { 'content-type': 'application/json' }, body: { items: [1, 2, 3], note: 'large' } };
  const before: ReplayRunSide = {
    status: 'succeeded', path: ['e1', 'e2'],
    nodes: { in: { status: 'succeeded', handle: null, output: { n: 1 } }, call: { status: 'succeeded', handle: null, output: response } },
  };
  const after: ReplayedRunSide = {
    status: 'succeeded', path: ['e1', 'e2', 'e3'], publishes: [], delays: [{ nodeId: 'wait', ms: 5 }],
    nodes: {
      in: { status: 'succeeded', handle: null, output: { n: 1 } },
      // The same response, its keys in another order (as jsonb gives them back).
      call: { status: 'succeeded', handle: null, output: { body: { note: 'large', items: [1, 2, 3] }, headers: { 'content-type': 'application/json' }, status: 200 } },
      wait: { status: 'succeeded', handle: null, output: null },
      shape: { status: 'succeeded', handle: null, output: { n: 2 } },
    },
  };
  return { before, after };
}

describe('the replayed side as stored', () => {
  it('leaves out the outputs equal to the original run\'s and keeps the others', () => {
    const { before, after } = setup();
    const stored = storedSide(before, after);
    expect(stored.nodes).toEqual({
      in: { status: 'succeeded', handle: null, outputAsBefore: true },
      call: { status: 'succeeded', handle: null, outputAsBefore: true },
      wait: { status: 'succeeded', handle: null, output: null },
      shape: { status: 'succeeded', handle: null, output: { n: 2 } },
    });
    expect(stored.delays).toEqual(after.delays);
  });

  it('reads back what was replayed, the outputs left out filled in from the original side', () => {
    const { before, after } = setup();
    const read = readSide(before, JSON.parse(JSON.stringify(storedSide(before, after))));
    expect(read).toEqual(after);
    expect(read.nodes['call']).not.toHaveProperty('outputAsBefore');
  });
});
