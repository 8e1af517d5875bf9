/**
 * What shadow replay (docs/replay.md) needs from persistence: the recorded
 * runs it reads, and its own two tables (`replays`, `replay_events`), the
 * only ones it writes. Part of the store port as `StorePort.replays`.
 */
import type {
  HistoryEvent, ReplayEdgeStats, ReplayEventSummary, ReplayNodeResult, ReplayNodeStats, ReplayedRunSide, ReplaySelection, ReplayStatus,
  ReplaySummary,
} from '@sluice/contracts';

/** A replay as stored. */
export interface ReplayRecord {
  id: string;
  flowId: string;
  status: ReplayStatus;
  selection: ReplaySelection;
  /** The version the events ran through; null for a draft. */
  subjectVersion: number | null;
  done: number;
  total: number;
  summary: ReplaySummary;
  nodes: ReplayNodeStats[];
  edges: ReplayEdgeStats[];
  /** Why it failed; null otherwise. */
  error: string | null;
  createdAt: string;
  /** Last time it made progress; a running replay not touched for a while was interrupted. */
  updatedAt: string;
  finishedAt: string | null;
}

/** A replay about to start. */
export interface NewReplay {
  flowId: string;
  selection: ReplaySelection;
  subjectVersion: number | null;
  /** Events it will cover, as far as is known before it runs. */
  total: number;
  summary: ReplaySummary;
}

/** Which of a flow's runs a replay reads: those started within [from, to] (ISO times, both optional), newest first. */
export interface ReplayRunQuery {
  flowId: string;
  from?: string;
  to?: string;
}

/** A run as a replay's `q` scan reads it. */
export interface ReplayCandidate {
  id: string;
  payload: unknown;
  /** Opaque: the scan goes on right after this run. */
  cursor: string;
}

/** A recorded run as a replay reads it: its history, from RunStarted, in seq order. */
export interface ReplayInput {
  runId: string;
  history: HistoryEvent[];
}

/**
 * A replayed node as stored: an output equal to the original run's is left
 * out and `outputAsBefore` set, since the original side can be rebuilt from
 * the run's history.
 */
export type StoredNodeResult = ReplayNodeResult & { outputAsBefore?: true };

/** The replayed side of an event as stored. */
export interface StoredReplayedSide extends Omit<ReplayedRunSide, 'nodes'> {
  nodes: Record<string, StoredNodeResult>;
}

/** One replayed event as stored. */
export interface ReplayEventRecord {
  /** Its place in the replay's input, newest run first, from 0. */
  ordinal: number;
  summary: ReplayEventSummary;
  replayed: StoredReplayedSide;
  /** The seq of the original run's last event when it was replayed: its side is its history folded up to there. */
  originalSeq: number;
}

/** What a replay writes after each chunk of events. */
export interface ReplayProgressWrite {
  done: number;
  total: number;
  summary: ReplaySummary;
  nodes: readonly ReplayNodeStats[];
  edges: readonly ReplayEdgeStats[];
  events: readonly ReplayEventRecord[];
}

export interface ReplayStore {
  /**
   * Inserts a running replay, unless one of the flow is running (a partial
   * unique index decides, so processes agree): then nothing is written and
   * the answer names the running one when it can. A replay inserted deletes
   * the flow's older replays past the newest `keep` (itself included), with
   * their events, in the same statement.
   */
  createReplay(replay: NewReplay, keep: number): Promise<{ created: ReplayRecord } | { runningId: string | undefined }>;
  /** How many runs the query finds, counting at most `limit`. */
  countReplayRuns(query: ReplayRunQuery, limit: number): Promise<number>;
  /** Ids of the newest `limit` runs the query finds, newest first. */
  listReplayRuns(query: ReplayRunQuery, limit: number): Promise<string[]>;
  /**
   * The next runs the query finds with their payloads, newest first after
   * `cursor`: at most `limit`, fewer once their payloads pass a few MiB
   * (never none while runs remain). `more` is false at the oldest.
   */
  scanReplayRuns(query: ReplayRunQuery, cursor: string | undefined, limit: number): Promise<{ runs: ReplayCandidate[]; more: boolean }>;
  /**
   * The histories of the first of `runIds` whose histories fit a few MiB
   * together (at least one), in order. `consumed` says how many ids that
   * covers; an id without a history is passed over.
   */
  readReplayInputs(runIds: readonly string[]): Promise<{ inputs: ReplayInput[]; consumed: number }>;
  /**
   * Stores a chunk of replayed events and the counts so far, in one
   * statement, while the replay is running. False when it no longer is
   * (found interrupted): nothing was written.
   */
  writeReplayProgress(id: string, progress: ReplayProgressWrite): Promise<boolean>;
  /** Ends a running replay; a replay no longer running is left as it is. */
  finishReplay(id: string, outcome: { status: 'succeeded' } | { status: 'failed'; error: string }): Promise<void>;
  /** Marks running replays as making progress (a heartbeat). */
  touchReplays(ids: readonly string[]): Promise<void>;
  /** Fails, with `error`, every running replay untouched for `staleMs`; returns their ids. */
  interruptStaleReplays(staleMs: number, error: string): Promise<string[]>;
  getReplay(id: string): Promise<ReplayRecord | undefined>;
  /** The flow's replays, newest first, at most `limit`. */
  listReplays(flowId: string, limit: number): Promise<ReplayRecord[]>;
  /** Every event of the replay as listed: changed ones first, then in input order. */
  listReplayEvents(id: string): Promise<ReplayEventSummary[]>;
  getReplayEvent(id: string, runId: string): Promise<ReplayEventRecord | undefined>;
}
