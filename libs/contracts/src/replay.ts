/**
 * Shadow replay (docs/replay.md): recorded events of a flow run again through
 * a draft graph or another version, without effects, each compared with what
 * really happened. REST shapes of docs/rest-api.md#replays, shared with the
 * editor. Add fields, never rename them.
 */
import type { FlowGraph } from './graph';
import type { StepError } from './history';
import type { RunStatus, StepStatus } from './run-state';

/** A replay's own status: it runs in the background, then succeeds or fails as a whole. */
export const REPLAY_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type ReplayStatus = (typeof REPLAY_STATUSES)[number];

/**
 * What an `http` node answers in a replay when the original run recorded no
 * response for it (a node it never reached, or one new in the draft).
 * `status` defaults to 200, `headers` to none and `body` to null.
 */
export interface ReplayStub {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** `POST /api/flows/:id/replays`: exactly one of `graph` and `version`. */
export interface ReplayRequest {
  /** A draft, validated exactly as a save would be. */
  graph?: FlowGraph;
  /** A saved version of the flow. */
  version?: number;
  /** How many of the newest matching runs to replay, 1–10,000 (default 100). */
  limit?: number;
  /** Only runs started at or after this time (ISO). */
  from?: string | null;
  /** Only runs started at or before this time (ISO). */
  to?: string | null;
  /** A JSONata predicate over each run's payload, as in run search. */
  q?: string | null;
  /** Answers for `http` nodes the record cannot answer, by node id. */
  stubs?: Record<string, ReplayStub>;
}

/** What a replay was asked to select, as `GET /api/replays/:id` echoes it. */
export interface ReplaySelection {
  limit: number;
  from: string | null;
  to: string | null;
  q: string | null;
}

/** What the events ran through: a saved version, or a draft (not kept). */
export type ReplaySubject = { version: number } | { draft: true };

export interface ReplayProgress {
  /** Events replayed so far. */
  done: number;
  /** Events the replay covers. With `q` it is at first the runs in range (at most `limit`), and drops to those that matched once the scan ends. */
  total: number;
}

export interface ReplaySummary {
  events: number;
  /** Events whose path or end status differs. */
  changed: number;
  /** Events whose replayed run failed. */
  failed: number;
  /** `events - changed`. */
  unchanged: number;
}

/** How one node fared over the replay's events. */
export interface ReplayNodeStats {
  nodeId: string;
  /** Events whose original run reached the node (scheduled it, did not skip it). */
  reachedBefore: number;
  /** Events whose replayed run reached it. */
  reachedAfter: number;
  /** Events that reached it on both sides with a different output, handle or error. */
  outputsChanged: number;
  /** Events where it failed in the replay and had not failed in the original run. */
  nowFail: number;
  /** Events where it succeeded in the replay and had failed in the original run. */
  nowSucceed: number;
}

/** How often one edge was taken over the replay's events. */
export interface ReplayEdgeStats {
  edgeId: string;
  source: string;
  target: string;
  sourceHandle: string | null;
  takenBefore: number;
  takenAfter: number;
}

/** One event of a replay, as the replay lists it: small, no outputs. */
export interface ReplayEventSummary {
  runId: string;
  eventId: string;
  /** The version the original run followed. */
  flowVersion: number;
  startedAt: string;
  /** Path or end status differs. */
  changed: boolean;
  pathChanged: boolean;
  /** Nodes reached on both sides whose output, handle or error differs. */
  outputsChanged: string[];
  statusBefore: RunStatus;
  statusAfter: RunStatus;
  /** Nodes that failed in the replayed run (dead, or failed and caught). */
  failedNodes: string[];
}

/** One node of one side of a replayed event. `output` and `error` are absent when the step has none. */
export interface ReplayNodeResult {
  status: StepStatus;
  output?: unknown;
  /** The output the step left by, once succeeded (`yes`/`no` on filters, null for the default). */
  handle?: string | null;
  error?: StepError;
}

/** One side of an event: its end status, the edges it took and each node's result. */
export interface ReplayRunSide {
  status: RunStatus;
  /** Edge ids taken: the source settled by the edge's handle and the target was scheduled. */
  path: string[];
  nodes: Record<string, ReplayNodeResult>;
}

/** What a replayed `publish` step would have published. */
export interface ReplayPublish {
  nodeId: string;
  topic: string;
  payload: unknown;
}

/** A `delay` step of the replayed run: the wait it would have made, in ms. */
export interface ReplayDelay {
  nodeId: string;
  ms: number;
}

export interface ReplayedRunSide extends ReplayRunSide {
  publishes: ReplayPublish[];
  delays: ReplayDelay[];
}

/** `GET /api/replays/:id/events/:runId`: one event side by side. */
export interface ReplayEventDetail extends ReplayEventSummary {
  payload: unknown;
  /** The original run as it was when it was replayed. */
  original: ReplayRunSide;
  replayed: ReplayedRunSide;
}

/** `GET /api/replays/:id`. */
export interface ReplayDto {
  id: string;
  flowId: string;
  status: ReplayStatus;
  /** Why the replay failed; null otherwise. */
  error: string | null;
  subject: ReplaySubject;
  request: ReplaySelection;
  progress: ReplayProgress;
  summary: ReplaySummary;
  nodes: ReplayNodeStats[];
  edges: ReplayEdgeStats[];
  /** Every event, changed ones first, then in input order (newest run first). */
  events: ReplayEventSummary[];
  createdAt: string;
  finishedAt: string | null;
}

/** An item of `GET /api/flows/:id/replays`. */
export type ReplayListItem = Pick<ReplayDto, 'id' | 'status' | 'progress' | 'summary' | 'createdAt' | 'finishedAt' | 'subject'>;

/** `POST /api/flows/:id/replays` answers 202 with this. */
export interface ReplayStartedDto {
  id: string;
  status: 'running';
  progress: ReplayProgress;
}
