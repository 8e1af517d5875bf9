import type { FlowEdge, StepState } from '@sluice/contracts';

/**
 * The edges a run took, in graph order. An edge is taken when its source
 * settled by the edge's handle (succeeded by it, or failed and was caught by
 * `error`) and its target was scheduled (it has a step, and the step was not
 * skipped). A merge's later arrival counts too: its source left by the edge,
 * and the target ran. One definition for a recorded run and a replayed one,
 * so that their paths compare (docs/replay.md).
 */
export function runPath(edges: readonly FlowEdge[], steps: readonly StepState[]): string[] {
  const byNode = new Map(steps.map((step) => [step.nodeId, step]));
  return edges
    .filter((edge) => {
      const source = byNode.get(edge.source);
      const target = byNode.get(edge.target);
      if (!source || !target || target.status === 'skipped') return false;
      const handle = edge.sourceHandle ?? null;
      if (source.status === 'succeeded') return (source.handle ?? null) === handle;
      return source.status === 'failed' && source.caught === true && handle === 'error';
    })
    .map((edge) => edge.id);
}
