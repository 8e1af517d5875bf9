/** Live updates sent on `GET /api/stream` (Server-Sent Events). */
import type { HistoryEvent } from './history';
import type { RunStatus } from './run-state';

/** One run changed: the events appended by one commit, in order. */
export interface RunChangedNotice {
  kind: 'run.changed';
  runId: string;
  flowId: string;
  flowVersion: number;
  status: RunStatus;
  events: HistoryEvent[];
}

export type StreamNotice = RunChangedNotice;
