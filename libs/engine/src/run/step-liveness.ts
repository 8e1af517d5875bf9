import type { RunState, StepState } from '@sluice/contracts';
import type { StepMessage } from './step-message';

/**
 * A step message is live only when it names the attempt the step is waiting
 * for, and the step is waiting (scheduled, retrying, or running with a delay
 * timer). Anything else is a redelivery or a superseded message: this check is
 * what keeps a redelivered message from appending a second StepSucceeded.
 */
export function liveStep(state: RunState, message: StepMessage): StepState | undefined {
  if (state.status !== 'running' || message.runId !== state.id) return undefined;
  const step = state.steps.find((candidate) => candidate.nodeId === message.nodeId);
  if (!step || step.pendingAttempt !== message.attempt) return undefined;
  if (step.status === 'scheduled' || step.status === 'retrying') return step;
  if (step.status === 'running' && step.dueAt !== undefined) return step;
  return undefined;
}
