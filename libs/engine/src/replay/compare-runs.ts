import type { ReplayNodeResult, ReplayRunSide } from '@sluice/contracts';
import { failedStep, reached } from './run-side';
import { sameJson } from './same-json';

/** How a replayed event differs from the original run (docs/replay.md#the-diff). */
export interface RunComparison {
  /** The path or the end status differs. */
  changed: boolean;
  pathChanged: boolean;
  /** Nodes reached on both sides whose output, handle or error differs, in the replayed run's step order. */
  outputsChanged: string[];
  /** Nodes that failed in the replayed run (dead, or failed and caught). */
  failedNodes: string[];
}

export function compareRuns(before: ReplayRunSide, after: ReplayRunSide): RunComparison {
  const pathChanged = !sameEdges(before.path, after.path);
  const outputsChanged = Object.entries(after.nodes)
    .filter(([nodeId, result]) => {
      const original = before.nodes[nodeId];
      return reached(original) && reached(result) && !sameResult(original, result);
    })
    .map(([nodeId]) => nodeId);
  return {
    changed: pathChanged || before.status !== after.status,
    pathChanged,
    outputsChanged,
    failedNodes: Object.entries(after.nodes).filter(([, result]) => failedStep(result)).map(([nodeId]) => nodeId),
  };
}

/** Paths compare as sets of edge ids: the two graphs may list their edges in different orders. */
function sameEdges(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((edgeId) => right.has(edgeId));
}

function sameResult(a: ReplayNodeResult, b: ReplayNodeResult): boolean {
  return (a.handle ?? null) === (b.handle ?? null) && sameJson(a.output, b.output) && sameJson(a.error, b.error);
}
