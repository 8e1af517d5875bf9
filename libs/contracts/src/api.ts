/** REST request and response shapes (docs/rest-api.md). */
import type { FlowGraph, GraphError, GraphWarning } from './graph';
import type { HistoryEvent, StepError } from './history';
import type { RunState, RunStatus } from './run-state';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export const ERROR_CODES = [
  'bad_request', 'invalid_json', 'validation_failed', 'invalid_graph', 'payload_rejected', 'not_found',
  'conflict', 'payload_too_large', 'unauthorized', 'unsupported_media_type', 'internal', 'unavailable',
  // 421: with no keys set, a request whose Host is not loopback (DNS rebinding).
  'misdirected',
  // 400: a JSON body nested deeper than SLUICE_MAX_JSON_DEPTH; a string or key holding \u0000 (NUL).
  'too_deep', 'unsupported_character',
  // 503 with Retry-After: work accepted and not yet done stayed at SLUICE_MAX_BACKLOG, or the process
  // runs SLUICE_SEARCH_MAX_SCANS payload scans or SLUICE_REPLAY_MAX_RUNNING replays.
  'overloaded',
  // 400: a run search `q` that does not parse, or a search key the flow does not declare.
  'invalid_query',
  // 409: a replay of the flow is already running (docs/replay.md).
  'replay_running',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface CreateFlowRequest { name: string; description?: string; graph: FlowGraph }
export interface UpdateFlowRequest { name?: string; description?: string; graph: FlowGraph }

export interface FlowDto {
  id: string;
  name: string;
  description: string | null;
  version: number;
  graph: FlowGraph;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface FlowVersionDto { version: number; createdAt: string; nodeCount: number }

export interface ValidateResponse { valid: boolean; errors: GraphError[]; warnings: GraphWarning[] }

export interface TriggerResponse { runId: string; eventId: string; deduplicated: boolean }
export interface TopicPublishResponse { eventId: string; runIds: string[] }

export type RunDto = RunState;
export interface RunSummaryDto {
  id: string;
  flowId: string;
  flowVersion: number;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

export type HistoryItemDto = HistoryEvent;

export interface RetryDto {
  runId: string;
  flowId: string;
  nodeId: string;
  /** The attempt that will run next. */
  attempt: number;
  maxAttempts: number;
  dueAt: string;
  lastError?: StepError;
}

export interface DeadLetterDto {
  id: string;
  runId: string;
  flowId: string;
  nodeId: string;
  attempts: number;
  error: StepError;
  createdAt: string;
}

export interface Page<T> { items: T[]; nextCursor?: string | null }

/**
 * A page of a payload search (`GET /api/runs?flowId=&q=`): the matches among
 * the runs this request examined, newest first. `nextCursor` continues the
 * scan after the last run examined, whether or not it matched.
 */
export interface RunQueryPage extends Page<RunDto> {
  nextCursor: string | null;
  /** Runs this request examined. */
  scanned: number;
  /** True when the scan reached the flow's oldest run: nothing further can match. */
  complete: boolean;
}
