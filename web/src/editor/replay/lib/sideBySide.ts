import type { ReplayEventDetail, ReplayNodeResult } from '@sluice/contracts';
import { sameValue } from './sameValue';

/** One node in the side-by-side view: its result in the original run and in the replay (absent where it was not reached). */
export interface SideBySideRow {
  nodeId: string;
  original: ReplayNodeResult | undefined;
  replayed: ReplayNodeResult | undefined;
  /** Status, handle, output or error differ between the sides. */
  differs: boolean;
}

/**
 * The rows of the side-by-side view: every node either side has a result
 * for, in `order` (the replay's node order: the subject graph's, then nodes
 * only the original runs had), then any other, as the sides list them.
 */
export function sideBySideRows(detail: Pick<ReplayEventDetail, 'original' | 'replayed'>, order: readonly string[]): SideBySideRow[] {
  const ids = new Set([...Object.keys(detail.original.nodes), ...Object.keys(detail.replayed.nodes)]);
  const ordered = [...order.filter((nodeId) => ids.has(nodeId)), ...[...ids].filter((nodeId) => !order.includes(nodeId))];
  return ordered.map((nodeId) => {
    const original = detail.original.nodes[nodeId];
    const replayed = detail.replayed.nodes[nodeId];
    return { nodeId, original, replayed, differs: !sameResult(original, replayed) };
  });
}

/** The edges of each side's path, each marked when the other side did not take it. */
export function pathDiff(original: readonly string[], replayed: readonly string[]): { original: PathStep[]; replayed: PathStep[] } {
  const before = new Set(original);
  const after = new Set(replayed);
  return {
    original: original.map((edgeId) => ({ edgeId, only: !after.has(edgeId) })),
    replayed: replayed.map((edgeId) => ({ edgeId, only: !before.has(edgeId) })),
  };
}

export interface PathStep {
  edgeId: string;
  /** Only this side took the edge. */
  only: boolean;
}

function sameResult(a: ReplayNodeResult | undefined, b: ReplayNodeResult | undefined): boolean {
  if (!a || !b) return a === b;
  return a.status === b.status && (a.handle ?? null) === (b.handle ?? null) && sameValue(a.output, b.output) && sameValue(a.error, b.error);
}
