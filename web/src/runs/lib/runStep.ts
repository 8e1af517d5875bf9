import type { RunState, StepState } from '@sluice/contracts';

/** What a step received: the run's payload for the entry step, else the output of the step named by `from`. */
export type StepInput =
  | { kind: 'payload'; value: unknown }
  | { kind: 'step'; from: string; value: unknown }
  | { kind: 'pending'; from: string }
  | { kind: 'none' };

/** The input of `nodeId`'s step in `run`. Pure. */
export function stepInput(run: Pick<RunState, 'payload' | 'steps'>, nodeId: string): StepInput {
  const step = run.steps.find((candidate) => candidate.nodeId === nodeId);
  if (!step) return { kind: 'none' };
  if (step.from === undefined) return { kind: 'payload', value: run.payload };
  const source = run.steps.find((candidate) => candidate.nodeId === step.from);
  if (!source || source.output === undefined) return { kind: 'pending', from: step.from };
  return { kind: 'step', from: step.from, value: source.output };
}

/** Steps worth looking at first, most urgent first. */
const URGENCY: Partial<Record<StepState['status'], number>> = { dead: 0, retrying: 1, failed: 2, running: 3, scheduled: 4 };

/** The step a run page opens on: the most urgent one (dead, retrying, …), else the last that had trouble, else the last that ran. */
export function defaultStepId(steps: readonly StepState[]): string | undefined {
  let best: StepState | undefined;
  for (const step of steps) {
    const rank = URGENCY[step.status];
    if (rank === undefined) continue;
    if (!best || rank < (URGENCY[best.status] ?? Infinity)) best = step;
  }
  const troubled = steps.filter((step) => step.error !== undefined || step.attempts > 1).at(-1);
  return (best ?? troubled ?? steps.filter((step) => step.status !== 'skipped').at(-1) ?? steps.at(-1))?.nodeId;
}

/** Whether "Retry now" applies to a step: it is dead, or waiting for a retry. */
export function canRetryNow(step: Pick<StepState, 'status'> | undefined): boolean {
  return step?.status === 'dead' || step?.status === 'retrying';
}

/** Wall time of a run in ms: to its end, or to `now` while it is still going. */
export function runDurationMs(run: Pick<RunState, 'startedAt' | 'finishedAt'>, now: number): number {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return Math.max(0, end - Date.parse(run.startedAt));
}
