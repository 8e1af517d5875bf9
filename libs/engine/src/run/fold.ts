import type { HistoryEvent, RunState, StepState } from '@sluice/contracts';

/** Thrown when an event cannot apply: the log is corrupt or out of order (a bug, never user input). */
export class HistoryFoldError extends Error {
  override name = 'HistoryFoldError';
}

/**
 * Folds one event into run state. Pure: `state` is never mutated, so earlier
 * states (time travel) stay valid. The first event must be `RunStarted`.
 */
export function applyEvent(state: RunState | undefined, event: HistoryEvent): RunState {
  if (event.type === 'RunStarted') {
    if (state) throw new HistoryFoldError(`Run ${event.runId}: RunStarted at seq ${event.seq} but the run already started`);
    const { data } = event;
    return {
      id: event.runId,
      flowId: data.flowId,
      flowVersion: data.flowVersion,
      eventId: data.eventId,
      status: 'running',
      payload: data.payload,
      source: data.source,
      ...(data.topic === undefined ? {} : { topic: data.topic }),
      ...(data.parentRunId === undefined ? {} : { parentRunId: data.parentRunId }),
      ...(data.chain === undefined ? {} : { chain: data.chain }),
      steps: [],
      startedAt: event.at,
      updatedAt: event.at,
      lastSeq: event.seq,
    };
  }
  if (!state) throw new HistoryFoldError(`Run ${event.runId}: ${event.type} at seq ${event.seq} before RunStarted`);
  const next: RunState = { ...state, updatedAt: event.at, lastSeq: event.seq };
  const at = event.at;
  switch (event.type) {
    case 'RunSucceeded':
      return { ...next, status: 'succeeded', finishedAt: at };
    case 'RunFailed':
      return { ...next, status: 'failed', finishedAt: at };
    case 'RunIgnored':
      return { ...next, status: 'ignored', finishedAt: at };
    case 'StepScheduled': {
      const { attempt, from, maxAttempts } = event.data;
      return upsertStep(next, event, (step) => ({
        ...step,
        status: 'scheduled',
        pendingAttempt: attempt,
        ...(from === undefined ? {} : { from }),
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
      }));
    }
    case 'StepStarted':
      return updateStep(next, event, (step) => {
        const { dueAt: _cleared, ...rest } = step;
        return { ...rest, status: 'running', attempts: Math.max(step.attempts, event.data.attempt), startedAt: step.startedAt ?? at };
      });
    case 'TimerStarted':
      return updateStep(next, event, (step) => ({ ...step, dueAt: event.data.dueAt }));
    case 'StepSucceeded':
      return updateStep(next, event, (step) => {
        const { pendingAttempt: _p, dueAt: _n, error: _e, ...rest } = step;
        return { ...rest, status: 'succeeded', output: event.data.output, handle: event.data.handle, durationMs: event.data.durationMs, finishedAt: at };
      });
    case 'StepFailed':
      return updateStep(next, event, (step) => {
        const { pendingAttempt: _p, dueAt: _n, ...rest } = step;
        const failed: StepState = { ...rest, error: event.data.error, durationMs: event.data.durationMs };
        if (!event.data.final || !event.data.caught) return failed;
        return { ...failed, status: 'failed', caught: true, output: { error: event.data.error }, finishedAt: at };
      });
    case 'RetryScheduled':
      return updateStep(next, event, (step) => ({
        ...step,
        status: 'retrying',
        pendingAttempt: event.data.attempt,
        maxAttempts: event.data.maxAttempts,
        dueAt: event.data.dueAt,
      }));
    case 'RetryAccelerated':
      return updateStep(next, event, (step) => ({ ...step, dueAt: event.data.dueAt }));
    case 'StepDeadLettered':
      return updateStep(next, event, (step) => {
        const { pendingAttempt: _p, dueAt: _n, ...rest } = step;
        return { ...rest, status: 'dead', deadLetterId: event.data.deadLetterId, attempts: event.data.attempts, error: event.data.error, finishedAt: at };
      });
    case 'StepSkipped':
      return upsertStep(next, event, (step) => ({ ...step, status: 'skipped', finishedAt: at }));
    case 'StepRedriven': {
      const { finishedAt: _runFinished, ...run } = next;
      const redriven = updateStep(run, event, (step) => {
        const { error: _e, deadLetterId: _d, finishedAt: _f, caught: _c, output: _o, handle: _h, dueAt: _n, ...rest } = step;
        return { ...rest, status: 'scheduled', attempts: 0, pendingAttempt: event.data.attempt };
      });
      return { ...redriven, status: 'running' };
    }
    default:
      return assertNever(event);
  }
}

/**
 * Rebuilds run state from its log. With `asOf`, only events with
 * `seq <= asOf` are folded: the state as it was right after that event.
 * @returns undefined when no event is folded.
 */
export function foldHistory(events: readonly HistoryEvent[], asOf?: number): RunState | undefined {
  let state: RunState | undefined;
  for (const event of events) {
    if (asOf !== undefined && event.seq > asOf) break;
    state = applyEvent(state, event);
  }
  return state;
}

function stepIndex(state: RunState, nodeId: string): number {
  return state.steps.findIndex((step) => step.nodeId === nodeId);
}

function requireNode(event: HistoryEvent): string {
  if (event.nodeId === undefined) throw new HistoryFoldError(`Run ${event.runId}: ${event.type} at seq ${event.seq} has no nodeId`);
  return event.nodeId;
}

/** Applies `change` to the event's step, creating it (attempts 0) when it does not exist yet. */
function upsertStep(state: RunState, event: HistoryEvent, change: (step: StepState) => StepState): RunState {
  const nodeId = requireNode(event);
  const index = stepIndex(state, nodeId);
  if (index === -1) return { ...state, steps: [...state.steps, change({ nodeId, status: 'scheduled', attempts: 0 })] };
  const steps = [...state.steps];
  steps[index] = change(steps[index] as StepState);
  return { ...state, steps };
}

/** Applies `change` to the event's step, which must exist. */
function updateStep(state: RunState, event: HistoryEvent, change: (step: StepState) => StepState): RunState {
  const nodeId = requireNode(event);
  if (stepIndex(state, nodeId) === -1) {
    throw new HistoryFoldError(`Run ${event.runId}: ${event.type} at seq ${event.seq} for unknown step "${nodeId}"`);
  }
  return upsertStep(state, event, change);
}

function assertNever(value: never): never {
  throw new HistoryFoldError(`Unknown history event ${JSON.stringify(value)}`);
}
