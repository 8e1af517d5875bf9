import type { FlowEdge, ReplayNodeResult, ReplayRunSide, RunState, StepState } from '@sluice/contracts';
import { runPath } from './run-path';

/**
 * One side of a replayed event: the run's status, its path through `edges`
 * (the graph the run followed) and each step's result.
 */
export function describeRun(edges: readonly FlowEdge[], state: RunState): ReplayRunSide {
  const nodes: Record<string, ReplayNodeResult> = {};
  for (const step of state.steps) nodes[step.nodeId] = nodeResult(step);
  return { status: state.status, path: runPath(edges, state.steps), nodes };
}

function nodeResult(step: StepState): ReplayNodeResult {
  return {
    status: step.status,
    ...(step.output === undefined ? {} : { output: step.output }),
    ...(step.handle === undefined ? {} : { handle: step.handle }),
    ...(step.error === undefined ? {} : { error: step.error }),
  };
}

/** A node the run reached: it was scheduled, not skipped. */
export function reached(result: ReplayNodeResult | undefined): result is ReplayNodeResult {
  return result !== undefined && result.status !== 'skipped';
}

/** A node whose step failed for good: dead-lettered, or failed and caught by its `error` edge. */
export function failedStep(result: ReplayNodeResult | undefined): boolean {
  return result?.status === 'dead' || result?.status === 'failed';
}
