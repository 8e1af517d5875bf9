import type { ReplayEdgeStats, ReplayNodeStats } from '@sluice/contracts';

/** What a replay says about one node, in plain sentences; handles and node ids are in backticks. */
export interface NodeReport {
  nodeId: string;
  sentences: string[];
}

/** A node's output handle as sentences name it: the default handle (null) is `out`. */
export function handleName(handle: string | null): string {
  return handle ?? 'out';
}

function events(count: number): string {
  return count === 1 ? '1 event' : `${count} events`;
}

/** Events per handle leaving one node: the largest count over the handle's edges, since a fan-out takes every edge of its handle at once. */
function handleCounts(edges: readonly ReplayEdgeStats[]): Map<string | null, { before: number; after: number }> {
  const byHandle = new Map<string | null, { before: number; after: number }>();
  for (const edge of edges) {
    const entry = byHandle.get(edge.sourceHandle) ?? { before: 0, after: 0 };
    entry.before = Math.max(entry.before, edge.takenBefore);
    entry.after = Math.max(entry.after, edge.takenAfter);
    byHandle.set(edge.sourceHandle, entry);
  }
  return byHandle;
}

/**
 * Moves between the handles of one node, from the counts alone: each handle
 * that lost events is paired with the handles that gained some, largest
 * first ("12 events now take `no` instead of `yes`"). Counts cannot tell
 * which event went where, so this is the net movement, which is exact
 * whenever one handle lost and one gained.
 */
export function handleMoves(edges: readonly ReplayEdgeStats[]): { sentences: string[]; moved: number } {
  const counts = [...handleCounts(edges)].map(([handle, { before, after }]) => ({ handle, delta: after - before }));
  const losses = counts.filter((entry) => entry.delta < 0).map((entry) => ({ handle: entry.handle, left: -entry.delta })).sort((a, b) => b.left - a.left);
  const gains = counts.filter((entry) => entry.delta > 0).map((entry) => ({ handle: entry.handle, left: entry.delta })).sort((a, b) => b.left - a.left);
  const sentences: string[] = [];
  let moved = 0;
  for (const loss of losses) {
    for (const gain of gains) {
      const count = Math.min(loss.left, gain.left);
      if (count === 0) continue;
      loss.left -= count;
      gain.left -= count;
      moved += count;
      sentences.push(`${events(count)} now ${count === 1 ? 'takes' : 'take'} \`${handleName(gain.handle)}\` instead of \`${handleName(loss.handle)}\``);
    }
  }
  return { sentences, moved };
}

function reachSentence(stats: ReplayNodeStats): string | undefined {
  const { reachedBefore: before, reachedAfter: after } = stats;
  if (before === after) return undefined;
  if (after === 0) return `no longer reached (${events(before)} before)`;
  if (before === 0) return `now reached by ${events(after)} (none before)`;
  return `reached by ${events(after)} instead of ${before}`;
}

/**
 * Per-node sentences of a replay (docs/editor.md#replay), in the order of
 * `nodes` (the subject graph's), leaving out nodes with nothing to say.
 * Built from the per-node and per-edge counts only: which handles events now
 * leave by, how many reach the node, outputs that differ, steps that would
 * now fail or now succeed. "n outputs differ" is left out when it only
 * repeats the handle moves (a filter's output is its handle).
 */
export function replaySentences(nodes: readonly ReplayNodeStats[], edges: readonly ReplayEdgeStats[]): NodeReport[] {
  const bySource = new Map<string, ReplayEdgeStats[]>();
  for (const edge of edges) bySource.set(edge.source, [...(bySource.get(edge.source) ?? []), edge]);
  const reports: NodeReport[] = [];
  for (const stats of nodes) {
    const moves = handleMoves(bySource.get(stats.nodeId) ?? []);
    const sentences = [...moves.sentences];
    const reach = reachSentence(stats);
    if (reach) sentences.push(reach);
    if (stats.outputsChanged > 0 && stats.outputsChanged !== moves.moved) {
      sentences.push(stats.outputsChanged === 1 ? '1 output differs' : `${stats.outputsChanged} outputs differ`);
    }
    if (stats.nowFail > 0) sentences.push(`${stats.nowFail} would now fail`);
    if (stats.nowSucceed > 0) sentences.push(`${stats.nowSucceed} would now succeed`);
    if (sentences.length > 0) reports.push({ nodeId: stats.nodeId, sentences });
  }
  return reports;
}
