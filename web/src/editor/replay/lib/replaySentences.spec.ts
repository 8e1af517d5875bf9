import type { ReplayEdgeStats, ReplayNodeStats } from '@sluice/contracts';
import { handleMoves, replaySentences } from './replaySentences';

function node(nodeId: string, counts: Partial<Omit<ReplayNodeStats, 'nodeId'>> = {}): ReplayNodeStats {
  return { nodeId, reachedBefore: 20, reachedAfter: 20, outputsChanged: 0, nowFail: 0, nowSucceed: 0, ...counts };
}

function edge(source: string, target: string, sourceHandle: string | null, takenBefore: number, takenAfter: number, edgeId = `${source}-${sourceHandle ?? 'out'}-${target}`): ReplayEdgeStats {
  return { edgeId, source, target, sourceHandle, takenBefore, takenAfter };
}

/** The order flow of the README: a filter whose threshold moved 12 of 20 events from yes to no, one of which now fails downstream. */
function setup() {
  const nodes = [
    node('start'),
    node('check', { outputsChanged: 12 }),
    node('call', { reachedBefore: 15, reachedAfter: 3, nowFail: 2 }),
    node('skip', { reachedBefore: 5, reachedAfter: 17 }),
    node('shape', { outputsChanged: 3 }),
  ];
  const edges = [
    edge('start', 'check', null, 20, 20),
    edge('check', 'call', 'yes', 15, 3),
    edge('check', 'skip', 'no', 5, 17),
  ];
  return replaySentences(nodes, edges);
}

describe('replaySentences', () => {
  it('says how many events now leave a filter by `no` instead of `yes`, from its edges before and after', () => {
    const check = setup().find((report) => report.nodeId === 'check');
    expect(check?.sentences).toEqual(['12 events now take `no` instead of `yes`']);
  });

  it('says how often a node is reached now, and how many steps would now fail', () => {
    const call = setup().find((report) => report.nodeId === 'call');
    expect(call?.sentences).toEqual(['reached by 3 events instead of 15', '2 would now fail']);
    expect(setup().find((report) => report.nodeId === 'skip')?.sentences).toEqual(['reached by 17 events instead of 5']);
  });

  it('says how many outputs differ where the handles do not explain them', () => {
    expect(setup().find((report) => report.nodeId === 'shape')?.sentences).toEqual(['3 outputs differ']);
  });

  it('leaves out nodes with nothing to say, and keeps the order of the nodes given', () => {
    expect(setup().map((report) => report.nodeId)).toEqual(['check', 'call', 'skip', 'shape']);
  });

  it('speaks of one event in the singular, and of nodes no longer or newly reached', () => {
    const reports = replaySentences(
      [node('f', { outputsChanged: 1 }), node('gone', { reachedBefore: 4, reachedAfter: 0 }), node('new', { reachedBefore: 0, reachedAfter: 1, nowSucceed: 1 })],
      [edge('f', 'a', 'yes', 3, 2), edge('f', 'b', 'no', 1, 2)],
    );
    expect(reports).toEqual([
      { nodeId: 'f', sentences: ['1 event now takes `no` instead of `yes`'] },
      { nodeId: 'gone', sentences: ['no longer reached (4 events before)'] },
      { nodeId: 'new', sentences: ['now reached by 1 event (none before)', '1 would now succeed'] },
    ]);
  });

  it('adds outputs that differ beyond the handle moves', () => {
    const [report] = replaySentences([node('f', { outputsChanged: 5 })], [edge('f', 'a', 'yes', 10, 8), edge('f', 'b', 'no', 10, 12)]);
    expect(report?.sentences).toEqual(['2 events now take `no` instead of `yes`', '5 outputs differ']);
  });
});

describe('handleMoves', () => {
  it('pairs the handles that lost events with those that gained, largest first, naming the default handle `out`', () => {
    const moves = handleMoves([edge('call', 'done', null, 10, 4), edge('call', 'fallback', 'error', 0, 6)]);
    expect(moves).toEqual({ sentences: ['6 events now take `error` instead of `out`'], moved: 6 });
  });

  it('splits one loss over several gains', () => {
    const moves = handleMoves([edge('f', 'a', 'yes', 10, 2), edge('f', 'b', 'no', 0, 5), edge('f', 'c', 'error', 0, 3)]);
    expect(moves.sentences).toEqual(['5 events now take `no` instead of `yes`', '3 events now take `error` instead of `yes`']);
  });

  it('counts a fan-out handle once, and an edge re-created under another id with its handle', () => {
    const moves = handleMoves([
      edge('f', 'a', 'yes', 10, 4),
      edge('f', 'b', 'yes', 10, 4),
      edge('f', 'old', 'no', 2, 0, 'old-no'),
      edge('f', 'old', 'no', 0, 8, 'new-no'),
    ]);
    expect(moves.sentences).toEqual(['6 events now take `no` instead of `yes`']);
  });

  it('says nothing when no handle moved, or when events only stopped leaving the node', () => {
    expect(handleMoves([edge('f', 'a', 'yes', 5, 5), edge('f', 'b', 'no', 5, 5)]).sentences).toEqual([]);
    expect(handleMoves([edge('f', 'a', 'yes', 5, 1), edge('f', 'b', 'no', 5, 5)]).sentences).toEqual([]);
  });
});
