/** Run and step state: the projection of a run's history (docs/history.md). */
import type { PublishChain, StepError } from './history';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'ignored'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ['scheduled', 'running', 'succeeded', 'retrying', 'failed', 'dead', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface StepState {
  nodeId: string;
  status: StepStatus;
  /** Attempts started so far in the current round (reset by a redrive). */
  attempts: number;
  /** The attempt this step is waiting to run; a step message for any other attempt is stale. */
  pendingAttempt?: number;
  /** The step whose output is this step's input; absent for the entry step. */
  from?: string;
  /** Attempts allowed by the node's retry policy. */
  maxAttempts?: number;
  /**
   * When the step's timer fires (ISO timestamp): the next attempt while
   * `retrying`, or the end of the wait while a `delay` step is `running`.
   */
  dueAt?: string;
  error?: StepError;
  output?: unknown;
  /** Handle the step left through, once succeeded. */
  handle?: string | null;
  startedAt?: string;
  finishedAt?: string;
  /** Duration of the last attempt, in ms. */
  durationMs?: number;
  /** True when the step's failure was caught by its `error` edge. */
  caught?: boolean;
  deadLetterId?: string;
}

export interface RunState {
  id: string;
  flowId: string;
  flowVersion: number;
  eventId: string;
  status: RunStatus;
  payload: unknown;
  source: 'rest' | 'topic' | 'publish';
  topic?: string;
  parentRunId?: string;
  /** The run's publish chain; absent on runs started before chains were recorded (read them as depth 0). */
  chain?: PublishChain;
  /** Steps in the order they first appeared in the history. */
  steps: StepState[];
  startedAt: string;
  /** Last time anything happened to the run. */
  updatedAt: string;
  finishedAt?: string;
  /** `seq` of the last event folded in. */
  lastSeq: number;
}
