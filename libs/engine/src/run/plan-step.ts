import type { RunState } from '@sluice/contracts';
import type { StepMessage } from './step-message';
import type { CompiledFlow } from '../graph/compile-flow';
import type { HttpRequestSpec } from '../nodes/http-exchange';
import { stepContext } from './step-scope';
import { liveStep } from './step-liveness';

/**
 * What the runtime must do for a step message: nothing (stale), perform an
 * http request and pass the result to `settleStep`, or call `settleStep`
 * without an effect (local nodes, delays, and http steps whose request could
 * not be built — settleStep records that failure). `publish` steps are
 * `local` here: their admission is decided in the commit (see `publishIntent`).
 */
export type StepPlan = { kind: 'stale' } | { kind: 'http'; request: HttpRequestSpec } | { kind: 'local' };

/** Decides how to execute a step message against the current run state. Appends nothing. */
export async function planStep(flow: CompiledFlow, state: RunState, message: StepMessage): Promise<StepPlan> {
  const step = liveStep(state, message);
  if (!step || !flow.node(message.nodeId)) return { kind: 'stale' };
  const behaviour = flow.definition(message.nodeId).behaviour;
  if (behaviour.kind !== 'http') return { kind: 'local' };
  const built = await behaviour.request(stepContext(flow, state, message.nodeId));
  return built.ok ? { kind: 'http', request: built.request } : { kind: 'local' };
}
