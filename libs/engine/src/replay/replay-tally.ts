import type { FlowEdge, FlowGraph, ReplayEdgeStats, ReplayNodeStats, ReplayRunSide, ReplaySummary } from '@sluice/contracts';
import type { RunComparison } from './compare-runs';
import { failedStep, reached } from './run-side';

/** One replayed event, as the tally counts it. */
export interface TalliedEvent {
  /** The edges of the graph the original run followed, to name the edges only it has. */
  originalEdges: readonly FlowEdge[];
  before: ReplayRunSide;
  after: ReplayRunSide;
  comparison: RunComparison;
}

/**
 * The counts of a replay over its events (docs/replay.md#the-summary): how
 * many changed or failed, and per node and per edge how often each side
 * reached or took it. Nodes and edges of the subject graph come first, in
 * its order; those only original runs had follow, as they were met.
 */
export class ReplayTally {
  private readonly counts: ReplaySummary = { events: 0, changed: 0, failed: 0, unchanged: 0 };
  private readonly nodes = new Map<string, ReplayNodeStats>();
  private readonly edges = new Map<string, ReplayEdgeStats>();

  constructor(subject: FlowGraph) {
    for (const node of subject.nodes) this.node(node.id);
    for (const edge of subject.edges) this.edge(edge);
  }

  add(event: TalliedEvent): void {
    const { before, after, comparison } = event;
    this.counts.events += 1;
    if (comparison.changed) this.counts.changed += 1;
    else this.counts.unchanged += 1;
    if (after.status === 'failed') this.counts.failed += 1;
    for (const [nodeId, result] of Object.entries(before.nodes)) if (reached(result)) this.node(nodeId).reachedBefore += 1;
    for (const [nodeId, result] of Object.entries(after.nodes)) {
      const stats = this.node(nodeId);
      if (reached(result)) stats.reachedAfter += 1;
      const original = before.nodes[nodeId];
      if (failedStep(result) && !failedStep(original)) stats.nowFail += 1;
      if (result.status === 'succeeded' && failedStep(original)) stats.nowSucceed += 1;
    }
    for (const nodeId of comparison.outputsChanged) this.node(nodeId).outputsChanged += 1;
    const originalEdges = new Map(event.originalEdges.map((edge) => [edge.id, edge]));
    for (const edgeId of before.path) {
      const original = originalEdges.get(edgeId);
      const stats = this.edges.get(edgeId) ?? (original && this.edge(original));
      if (stats) stats.takenBefore += 1;
    }
    for (const edgeId of after.path) {
      const stats = this.edges.get(edgeId);
      if (stats) stats.takenAfter += 1;
    }
  }

  summary(): ReplaySummary {
    return { ...this.counts };
  }

  nodeStats(): ReplayNodeStats[] {
    return [...this.nodes.values()].map((stats) => ({ ...stats }));
  }

  edgeStats(): ReplayEdgeStats[] {
    return [...this.edges.values()].map((stats) => ({ ...stats }));
  }

  private node(nodeId: string): ReplayNodeStats {
    let stats = this.nodes.get(nodeId);
    if (!stats) {
      stats = { nodeId, reachedBefore: 0, reachedAfter: 0, outputsChanged: 0, nowFail: 0, nowSucceed: 0 };
      this.nodes.set(nodeId, stats);
    }
    return stats;
  }

  private edge(edge: FlowEdge): ReplayEdgeStats {
    let stats = this.edges.get(edge.id);
    if (!stats) {
      stats = { edgeId: edge.id, source: edge.source, target: edge.target, sourceHandle: edge.sourceHandle ?? null, takenBefore: 0, takenAfter: 0 };
      this.edges.set(edge.id, stats);
    }
    return stats;
  }
}
