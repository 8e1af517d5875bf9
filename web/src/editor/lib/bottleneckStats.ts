import type { RunState, StepState } from '@sluice/contracts';

/** Figures for one node over a window of runs. */
export interface NodeBottleneck {
  /** Steps of this node that finished (succeeded, failed or dead) or are retrying. */
  count: number;
  /** Steps that ended failed (caught) or dead. */
  failures: number;
  /** failures / count, 0…1. */
  failureRate: number;
  /** Extra attempts beyond the first, summed over the runs. */
  retries: number;
  /** Median and 95th percentile step duration, in ms (null when no duration is known). */
  p50Ms: number | null;
  p95Ms: number | null;
  /** 0…1 hotness for the heat map: the larger of relative p95 and failure rate. */
  heat: number;
}

export interface BottleneckReport {
  runs: number;
  byNode: Record<string, NodeBottleneck>;
  /** Node with the highest heat, if any ran. */
  hottest?: string;
}

/**
 * Duration of a step, in ms: wall time from first start to finish (so waits
 * between retries count, which is what makes a node a bottleneck), else the
 * last attempt's duration.
 */
export function stepDurationMs(step: StepState): number | undefined {
  if (step.startedAt && step.finishedAt) {
    const wall = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
    if (Number.isFinite(wall) && wall >= 0) return Math.max(wall, step.durationMs ?? 0);
  }
  return step.durationMs;
}

/** Nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

const COUNTED = new Set(['succeeded', 'failed', 'dead', 'retrying']);

/** Per-node bottleneck figures over the given runs (e.g. the last N of a flow). Pure. */
export function bottleneckStats(runs: readonly RunState[]): BottleneckReport {
  const acc = new Map<string, { count: number; failures: number; retries: number; durations: number[] }>();
  for (const run of runs) {
    for (const step of run.steps) {
      if (!COUNTED.has(step.status)) continue;
      const entry = acc.get(step.nodeId) ?? { count: 0, failures: 0, retries: 0, durations: [] };
      entry.count++;
      if (step.status === 'failed' || step.status === 'dead') entry.failures++;
      entry.retries += Math.max(0, step.attempts - 1);
      const duration = step.status === 'retrying' ? undefined : stepDurationMs(step);
      if (duration !== undefined) entry.durations.push(duration);
      acc.set(step.nodeId, entry);
    }
  }
  const partial: Record<string, Omit<NodeBottleneck, 'heat'>> = {};
  let maxP95 = 0;
  for (const [nodeId, entry] of acc) {
    const sorted = [...entry.durations].sort((a, b) => a - b);
    const p95Ms = percentile(sorted, 95);
    maxP95 = Math.max(maxP95, p95Ms ?? 0);
    partial[nodeId] = {
      count: entry.count,
      failures: entry.failures,
      failureRate: entry.count === 0 ? 0 : entry.failures / entry.count,
      retries: entry.retries,
      p50Ms: percentile(sorted, 50),
      p95Ms,
    };
  }
  const byNode: Record<string, NodeBottleneck> = {};
  let hottest: string | undefined;
  let hottestHeat = -1;
  for (const [nodeId, stats] of Object.entries(partial)) {
    const relative = maxP95 > 0 && stats.p95Ms !== null ? stats.p95Ms / maxP95 : 0;
    const heat = Math.min(1, Math.max(relative, stats.failureRate));
    byNode[nodeId] = { ...stats, heat };
    if (heat > hottestHeat) {
      hottestHeat = heat;
      hottest = nodeId;
    }
  }
  return { runs: runs.length, byNode, ...(hottest === undefined ? {} : { hottest }) };
}
