import type { RunState } from '@sluice/contracts';
import type { CompiledFlow } from '../graph/compile-flow';
import type { StepContext } from '../nodes/node-definition';

/**
 * What a step sees: its input is the output of the step that activated it
 * (`from`), or the run payload for the entry step. Expressions see
 * `{ event, steps, input }`, where `steps` holds every output so far.
 */
export function stepContext(flow: CompiledFlow, state: RunState, nodeId: string): StepContext {
  const node = flow.node(nodeId);
  if (!node) throw new Error(`Flow ${flow.flowId} v${flow.version} has no node "${nodeId}"`);
  const steps: Record<string, unknown> = {};
  for (const step of state.steps) if (step.output !== undefined) steps[step.nodeId] = step.output;
  const from = state.steps.find((step) => step.nodeId === nodeId)?.from;
  const input = from === undefined ? state.payload : steps[from];
  return { runId: state.id, node, input, scope: { event: state.payload, steps, input } };
}
