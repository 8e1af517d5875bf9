/**
 * The history event union: a run's append-only log (docs/history.md). Run and step
 * state are a fold over these events. This union is a contract shared with
 * the editor; add kinds, never change the meaning of existing ones.
 */

/** An error recorded against a step. */
export interface StepError {
  /** Machine-readable class, e.g. `http_status`, `network`, `timeout`, `expression`, `schema`. */
  code: string;
  message: string;
  /** HTTP status when the error came from a response. */
  status?: number;
  retryable: boolean;
}

/**
 * Where a run sits in a publish chain: the event that started the chain and
 * the publish hops that led to this run. A run started over REST or by a topic
 * event from outside Sluice starts a chain: its own event id, depth 0. A run
 * started by a `publish` step is one hop deeper than the run that published.
 */
export interface PublishChain {
  /** Event id of the REST trigger or outside topic event the chain began with. */
  originEventId: string;
  /** Publish hops from the origin: 0 for the run the origin event started. */
  depth: number;
}

export interface RunStartedData {
  flowId: string;
  flowVersion: number;
  eventId: string;
  payload: unknown;
  /** How the run was triggered. */
  source: 'rest' | 'topic' | 'publish';
  topic?: string;
  /** For runs started by a `publish` node: the run and node that published. */
  parentRunId?: string;
  parentNodeId?: string;
  /** The run's publish chain (added later; a log without it is a chain of its own at depth 0). */
  chain?: PublishChain;
}

export interface StepScheduledData {
  attempt: number;
  /** The step whose output is this step's input; absent for the entry step (its input is the payload). */
  from?: string;
  /** Attempts allowed by the node's retry policy (added later; older logs may lack it). */
  maxAttempts?: number;
}
export interface StepStartedData { attempt: number }
export interface StepSucceededData {
  attempt: number;
  output: unknown;
  /** Handle the step left through (`yes`/`no` on filters); null for the default handle. */
  handle: string | null;
  /** Wall time of the attempt, in ms. */
  durationMs: number;
}
export interface StepFailedData {
  attempt: number;
  error: StepError;
  durationMs: number;
  /** True when no further attempt follows (final error or attempts exhausted). */
  final: boolean;
  /** True when the run continues through the node's `error` edge. */
  caught: boolean;
}
export interface RetryScheduledData {
  /** The attempt that will run next. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** ISO timestamp the attempt is due. */
  dueAt: string;
}
export interface TimerStartedData { dueAt: string; delayMs: number }
export interface StepDeadLetteredData { deadLetterId: string; attempts: number; error: StepError }
export interface StepSkippedData { reason: string }
/** A dead or failed step was put back in play (redrive or "retry now"). */
export interface StepRedrivenData { attempt: number; reason: 'redrive' | 'retry' }
export interface RetryAcceleratedData { attempt: number; dueAt: string }
export type RunFinishedData = Record<string, never>;

export interface HistoryEventDataByType {
  RunStarted: RunStartedData;
  StepScheduled: StepScheduledData;
  StepStarted: StepStartedData;
  StepSucceeded: StepSucceededData;
  StepFailed: StepFailedData;
  RetryScheduled: RetryScheduledData;
  RetryAccelerated: RetryAcceleratedData;
  TimerStarted: TimerStartedData;
  StepDeadLettered: StepDeadLetteredData;
  StepSkipped: StepSkippedData;
  StepRedriven: StepRedrivenData;
  RunSucceeded: RunFinishedData;
  RunFailed: RunFinishedData;
  RunIgnored: RunFinishedData;
}

export type HistoryEventType = keyof HistoryEventDataByType;

export const HISTORY_EVENT_TYPES = [
  'RunStarted', 'StepScheduled', 'StepStarted', 'StepSucceeded', 'StepFailed', 'RetryScheduled',
  'RetryAccelerated', 'TimerStarted', 'StepDeadLettered', 'StepSkipped', 'StepRedriven',
  'RunSucceeded', 'RunFailed', 'RunIgnored',
] as const satisfies readonly HistoryEventType[];

/** An event before it is given its place in the log. */
export type NewHistoryEvent = {
  [T in HistoryEventType]: { type: T; nodeId?: string; at: string; data: HistoryEventDataByType[T] };
}[HistoryEventType];

/** An event as stored: `seq` is 1, 2, 3 … per run with no gaps. */
export type HistoryEvent = NewHistoryEvent & { runId: string; seq: number };
