import { replayOverlay } from './replayOverlay';

describe('replayOverlay', () => {
  it('marks nodes whose outputs differ or that now fail or succeed, and labels edges taken on either side', () => {
    const overlay = replayOverlay({
      nodes: [
        { nodeId: 'check', reachedBefore: 20, reachedAfter: 20, outputsChanged: 12, nowFail: 0, nowSucceed: 0 },
        { nodeId: 'call', reachedBefore: 15, reachedAfter: 3, outputsChanged: 0, nowFail: 2, nowSucceed: 1 },
        { nodeId: 'done', reachedBefore: 15, reachedAfter: 3, outputsChanged: 0, nowFail: 0, nowSucceed: 0 },
      ],
      edges: [
        { edgeId: 'check-yes-call', source: 'check', target: 'call', sourceHandle: 'yes', takenBefore: 15, takenAfter: 3 },
        { edgeId: 'check-no-skip', source: 'check', target: 'skip', sourceHandle: 'no', takenBefore: 5, takenAfter: 17 },
        { edgeId: 'call-error-fallback', source: 'call', target: 'fallback', sourceHandle: 'error', takenBefore: 0, takenAfter: 0 },
      ],
    });
    expect(overlay).toEqual({
      byNode: { check: { outputsChanged: 12, nowFail: 0, nowSucceed: 0 }, call: { outputsChanged: 0, nowFail: 2, nowSucceed: 1 } },
      byEdge: { 'check-yes-call': { before: 15, after: 3 }, 'check-no-skip': { before: 5, after: 17 } },
    });
  });
});
