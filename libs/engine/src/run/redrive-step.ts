import type { RunState } from '@sluice/contracts';
import type { CompiledFlow } from '../graph/compile-flow';
import type { EngineClock } from './engine-clock';
import { type Transition, TransitionBuilder } from './transition';

/** Why a redrive or "retry now" was refused. */
export interface StepActionError {
  error: 'not_found' | 'conflict';
  message: string;
}

/**
 * Puts a dead step back in play with fresh attempts (dead-letter redrive, or
 * "retry now" on a failed run): StepRedriven{attempt 1}, the run runs again,
 * the dead letter is resolved and attempt 1 is dispatched. "Retry now" on a
 * retrying step makes its pending retry due now. Anything else is a conflict.
 */
export function redriveStep(
  flow: CompiledFlow,
  state: RunState,
  nodeId: string,
  reason: 'redrive' | 'retry',
  clock: EngineClock,
): Transition | StepActionError {
  const step = state.steps.find((candidate) => candidate.nodeId === nodeId);
  if (!step || !flow.node(nodeId)) return { error: 'not_found', message: `Run ${state.id} has no step "${nodeId}"` };
  if (step.status === 'retrying' && reason === 'retry') return accelerateRetry(state, nodeId, clock);
  if (step.status !== 'dead') {
    return { error: 'conflict', message: `Step "${nodeId}" of run ${state.id} is ${step.status}; only a dead step can be redriven` };
  }
  const tx = new TransitionBuilder(state.id, state);
  tx.append({ type: 'StepRedriven', nodeId, at: clock.now().toISOString(), data: { attempt: 1, reason } });
  if (step.deadLetterId !== undefined) tx.command({ kind: 'resolveDeadLetter', deadLetterId: step.deadLetterId });
  tx.command({ kind: 'dispatch', nodeId, attempt: 1 });
  return tx.build();
}

/**
 * Makes a retrying step's pending attempt due now: RetryAccelerated and a
 * `schedule` at now, which replaces the step's timer (one per run + node).
 */
export function accelerateRetry(state: RunState, nodeId: string, clock: EngineClock): Transition | StepActionError {
  const step = state.steps.find((candidate) => candidate.nodeId === nodeId);
  if (!step) return { error: 'not_found', message: `Run ${state.id} has no step "${nodeId}"` };
  if (step.status !== 'retrying' || step.pendingAttempt === undefined) {
    return { error: 'conflict', message: `Step "${nodeId}" of run ${state.id} is ${step.status}, not waiting for a retry` };
  }
  const dueAt = clock.now().toISOString();
  const tx = new TransitionBuilder(state.id, state);
  tx.append({ type: 'RetryAccelerated', nodeId, at: dueAt, data: { attempt: step.pendingAttempt, dueAt } });
  tx.command({ kind: 'schedule', nodeId, attempt: step.pendingAttempt, dueAt, reason: 'retry' });
  return tx.build();
}
