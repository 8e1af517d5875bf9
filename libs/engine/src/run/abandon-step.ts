import type { RunState, StepError } from '@sluice/contracts';
import type { CompiledFlow } from '../graph/compile-flow';
import type { EngineClock } from './engine-clock';
import { storableError } from './output-limit';
import { completeRunIfDone } from './run-progress';
import type { StepMessage } from './step-message';
import { liveStep } from './step-liveness';
import { emptyTransition, type Transition, TransitionBuilder } from './transition';

/**
 * Dead-letters the step a message asks for, without running it, because the
 * message itself could not be processed: the runtime gave up on it after too
 * many deliveries (SLUICE_MAX_DELIVERIES, docs/guarantees.md#redelivery).
 * Records the attempt as started and finally failed with `error`, then
 * `StepDeadLettered`, and finishes the run when nothing else is in flight.
 * The node's `error` edge is not followed: nothing is known of the step's
 * outcome, so it waits for an operator's redrive or discard like any dead
 * letter. A message that is no longer live (stale, or already settled by
 * another delivery) yields an empty transition.
 */
export function abandonStep(flow: CompiledFlow, state: RunState, message: StepMessage, reason: StepError, clock: EngineClock): Transition {
  const step = liveStep(state, message);
  if (!step || !flow.node(message.nodeId)) return emptyTransition(state);
  const { nodeId, attempt } = message;
  const error: StepError = storableError({ ...reason, retryable: false });
  const tx = new TransitionBuilder(state.id, state);
  const at = clock.now().toISOString();
  if (step.status !== 'running') tx.append({ type: 'StepStarted', nodeId, at, data: { attempt } });
  tx.append({ type: 'StepFailed', nodeId, at, data: { attempt, error, durationMs: 0, final: true, caught: false } });
  const attempts = tx.state.steps.find((candidate) => candidate.nodeId === nodeId)?.attempts ?? attempt;
  const deadLetterId = clock.newId();
  tx.append({ type: 'StepDeadLettered', nodeId, at, data: { deadLetterId, attempts, error } });
  tx.command({ kind: 'deadLetter', deadLetterId, nodeId, attempts, error });
  completeRunIfDone({ flow, clock, tx });
  return tx.build();
}
