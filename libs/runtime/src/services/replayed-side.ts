import type { ReplayedRunSide, ReplayNodeResult, ReplayRunSide } from '@sluice/contracts';
import { sameJson } from '@sluice/engine';
import type { StoredNodeResult, StoredReplayedSide } from '../ports/replay-store.port';

/**
 * The replayed side to store: outputs equal to the original run's are left
 * out and marked, since the original side is rebuilt from its history when
 * an event is read. Outputs answered from the record (http responses) are
 * the large ones, and they are the same by construction.
 */
export function storedSide(before: ReplayRunSide, after: ReplayedRunSide): StoredReplayedSide {
  const nodes: Record<string, StoredNodeResult> = {};
  for (const [nodeId, result] of Object.entries(after.nodes)) {
    const original = before.nodes[nodeId];
    if (result.output !== undefined && original?.output !== undefined && sameJson(original.output, result.output)) {
      const { output: _same, ...rest } = result;
      nodes[nodeId] = { ...rest, outputAsBefore: true };
    } else nodes[nodeId] = result;
  }
  return { ...after, nodes };
}

/** The replayed side as read back, its outputs filled in from the original side. */
export function readSide(before: ReplayRunSide, stored: StoredReplayedSide): ReplayedRunSide {
  const nodes: Record<string, ReplayNodeResult> = {};
  for (const [nodeId, result] of Object.entries(stored.nodes)) {
    const { outputAsBefore, ...rest } = result;
    const output = outputAsBefore ? before.nodes[nodeId]?.output : undefined;
    nodes[nodeId] = output === undefined ? rest : { ...rest, output };
  }
  return { ...stored, nodes };
}
