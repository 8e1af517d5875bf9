import type { ReplayDto } from '@sluice/contracts';

/** What a node's replay badge shows: steps whose output differs, that would now fail, or now succeed. */
export interface ReplayNodeMark {
  outputsChanged: number;
  nowFail: number;
  nowSucceed: number;
}

/** What an edge's replay label shows: events that took it in the original runs and in the replay. */
export interface ReplayEdgeMark {
  before: number;
  after: number;
}

/** The replay drawn on the canvas, by node id and edge id. Nodes and edges with nothing to show are absent. */
export interface ReplayOverlay {
  byNode: Record<string, ReplayNodeMark>;
  byEdge: Record<string, ReplayEdgeMark>;
}

/**
 * Projects a replay's per-node and per-edge counts onto the canvas
 * (docs/code-style.md, the diagram is a projection): a node gets a mark when
 * some of its outputs differ or it fails or succeeds where it did not; an edge
 * gets a label when either side took it at least once.
 */
export function replayOverlay(replay: Pick<ReplayDto, 'nodes' | 'edges'>): ReplayOverlay {
  const byNode: Record<string, ReplayNodeMark> = {};
  for (const node of replay.nodes) {
    if (node.outputsChanged + node.nowFail + node.nowSucceed === 0) continue;
    byNode[node.nodeId] = { outputsChanged: node.outputsChanged, nowFail: node.nowFail, nowSucceed: node.nowSucceed };
  }
  const byEdge: Record<string, ReplayEdgeMark> = {};
  for (const edge of replay.edges) {
    if (edge.takenBefore === 0 && edge.takenAfter === 0) continue;
    byEdge[edge.edgeId] = { before: edge.takenBefore, after: edge.takenAfter };
  }
  return { byNode, byEdge };
}
