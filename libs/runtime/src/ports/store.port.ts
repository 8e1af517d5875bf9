/**
 * The store port, declared by the runtime that uses it: everything the
 * runtime and the API need from persistence. Adapter in `@sluice/store`:
 * TypeORM over `pg`, against a PostgreSQL server or embedded PGlite. Services
 * see domain types only, never entities.
 *
 * Errors the adapter throws on purpose are its own classes (`@sluice/store`):
 * a write that does not continue a run's history rejects the transaction with
 * `code: 'conflict'` (re-read and decide again); a write holding a value the
 * database cannot store (a lone UTF-16 surrogate, JSON nested too deep) is
 * rejected with `code: 'unstorable'`, and writing it again fails the same
 * way; a cursor the store did not issue is refused with `code: 'bad_request'`.
 */
import type { FlowDto, FlowGraph, FlowVersionDto, HistoryEvent, RunState, RunStatus, StepError } from '@sluice/contracts';
import type { SearchKeyValue } from '@sluice/engine';
import type { BrokerMessage } from './broker-messages';
import type { FlowWork, FlowWorkLimits } from './flow-work.port';
import type { ReplayStore } from './replay-store.port';

/** A flow's latest version as stored: the shape the API answers with. */
export type FlowRecord = FlowDto;

/** A `subscribe` node of the latest version of an active flow. */
export interface Subscription {
  flowId: string;
  flowVersion: number;
  nodeId: string;
  /** AMQP topic pattern (`*` one word, `#` zero or more). */
  topic: string;
}

/**
 * The subscriptions as of one flow revision. The revision moves with every
 * change to a flow (create, save, archive), in the changing transaction.
 */
export interface SubscriptionSnapshot {
  revision: number;
  subscriptions: Subscription[];
}

/** A message waiting to be handed to the broker. Written in the transaction that caused it. */
export interface OutboxEntry {
  id: string;
  message: BrokerMessage;
  /** For `event` messages: true when Sluice already started its own subscriber runs. */
  fannedOut?: boolean;
}

/** A step message due later: a retry or the end of a delay. One per (runId, nodeId). */
export interface TimerEntry {
  runId: string;
  nodeId: string;
  attempt: number;
  /** ISO timestamp. */
  dueAt: string;
  reason: 'retry' | 'delay';
}

export interface DeadLetterRecord {
  id: string;
  runId: string;
  flowId: string;
  nodeId: string;
  attempts: number;
  error: StepError;
  createdAt: string;
}

/** A scheduled retry, with what the retries view shows. */
export interface ScheduledRetry extends TimerEntry {
  flowId: string;
  maxAttempts: number;
  lastError?: StepError;
}

/** Everything one run changes in one transaction. */
export interface RunWrite {
  /** The projection after `events`; `state.lastSeq` is the seq of the last event. */
  state: RunState;
  /** New events with consecutive seq following the previous `lastSeq`. */
  events: HistoryEvent[];
  outbox?: OutboxEntry[];
  /** Upserted by (runId, nodeId). */
  timers?: TimerEntry[];
  /** Node ids of this run whose timer is removed. */
  cancelTimers?: string[];
  deadLetters?: DeadLetterRecord[];
  /** Dead letter ids that were redriven (they leave the dead-letter list). */
  resolveDeadLetters?: string[];
  /**
   * For a new run: insert it only if the new run with this id is inserted by
   * the same batch (a run that a new run's publish step starts). It is
   * skipped with everything it writes otherwise.
   */
  insertedWith?: string;
  /**
   * For a new run: the values of its flow's search keys, indexed with the
   * run (and only if the run is inserted). Ignored on writes to existing runs.
   */
  searchKeys?: readonly SearchKeyValue[];
}

export interface IdempotencyClaim {
  flowId: string;
  key: string;
  runId: string;
  eventId: string;
}

/**
 * Runs started in one commit, with everything their first transitions write,
 * plus outbox bookkeeping; written by one statement.
 */
export interface NewRunBatch {
  /**
   * New runs (`state.lastSeq` equals the number of their events). A run whose
   * (flowId, eventId) already exists is skipped, and so are its events, outbox
   * rows, timers and dead letters.
   */
  inserts: readonly RunWrite[];
  /** Outbox rows that belong to no run. */
  outbox?: readonly OutboxEntry[];
  /** Outbox rows whose messages the broker already holds (deleted in the same statement). */
  deleteOutbox?: readonly string[];
  /**
   * The flow revision the batch's fan-out was planned at. The statement
   * checks it first, under the lock flow changes take turns on, and when the
   * revision moved it writes nothing and fails with `code:
   * 'flow_revision_moved'` and the current `revision`.
   */
  expectFlowRevision?: number;
  /**
   * Runs the batch's publish steps start, counted for their chain's origin
   * event in the same statement (added to what it already counts), only if
   * the new run `insertedWith` is inserted.
   */
  chainRuns?: readonly ChainRunCount[];
}

/** Runs a new run's publish steps start for one originating event. */
export interface ChainRunCount {
  originEventId: string;
  runs: number;
  insertedWith: string;
}

/** The store's answer when the flow revision moved past `NewRunBatch.expectFlowRevision`. */
export function flowRevisionMovedTo(error: unknown): number | undefined {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== 'flow_revision_moved') return undefined;
  const revision = (error as { revision?: unknown }).revision;
  return typeof revision === 'number' ? revision : undefined;
}

/** New runs and writes to existing runs, written by one statement. */
export interface RunBatch extends NewRunBatch {
  /**
   * Writes to existing runs. Each must continue its run's stored history
   * (`last_seq`); otherwise the transaction is rejected with `code: 'conflict'`.
   */
  updates: readonly RunWrite[];
}

export interface RunListQuery {
  flowId?: string;
  status?: RunStatus;
  /** 1…500. */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** Runs of one flow that a search key value finds (docs/rest-api.md#searching-runs). */
export interface RunKeyQuery {
  flowId: string;
  /** A search key the flow declares. */
  name: string;
  /** The value, compared as text, exactly. */
  value: string;
  status?: RunStatus;
  /** 1…500. */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** A stretch of one flow's runs, newest first, read for a payload search. */
export interface RunScanQuery {
  flowId: string;
  status?: RunStatus;
  /** Opaque cursor: the scan goes on after that run. */
  cursor?: string;
  /** Most runs to read. */
  limit: number;
}

/** A run as a payload search reads it. */
export interface ScannedRun {
  id: string;
  /** The payload that started the run. */
  payload: unknown;
  /** The cursor of a list or scan that goes on right after this run. */
  cursor: string;
  /** Its state as JSON, in bytes: what a page that holds it carries. */
  bytes: number;
}

export interface FlowListQuery {
  /** 1…500. */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** Runs one publish step asks to start for the chain of an originating event. */
export interface ChainRunRequest {
  originEventId: string;
  /** Runs the step would start (its fan-out); 0 is always granted. */
  runs: number;
}

/** The answer to one ChainRunRequest. */
export interface ChainRunGrant {
  granted: boolean;
  /** Runs counted for the chain before this request (after the requests before it in the same call). */
  used: number;
}

/**
 * A step message, named for counting its deliveries
 * (docs/guarantees.md#redelivery).
 */
export interface StepDeliveryKey {
  /** The message's id (its outbox id), which its redeliveries keep; a redriven step's message has a new one. */
  messageId: string;
  runId: string;
  nodeId: string;
  attempt: number;
}

/** What the store knows of a step message's deliveries. */
export interface StepDeliveryCount {
  /** Deliveries so far, the current one included. */
  deliveries: number;
  /** The error a failed delivery recorded last, if any did. */
  lastError: string | null;
}

/** Operations inside one transaction. */
export interface RunTransaction {
  /**
   * Locks the runs (`FOR UPDATE`, in id order) and returns their current state. Unknown ids are absent.
   * A state in `known` whose `lastSeq` is still the run's is returned as it is, not read again: every
   * change of a run's state appends events, so an unchanged `last_seq` means an unchanged state.
   */
  lockRuns(runIds: readonly string[], known?: ReadonlyMap<string, RunState>): Promise<Map<string, RunState>>;
  /**
   * Claims idempotency keys in one statement, in (flowId, key) order so
   * concurrent claimants lock alike. Answers in input order: the run that
   * already holds the key (claimed less than 24 h ago), or undefined when this
   * claim won. A key repeated in the input is held by its first claim.
   */
  claimIdempotencyKeys(claims: readonly IdempotencyClaim[]): Promise<({ runId: string; eventId: string } | undefined)[]>;
  /**
   * Writes a batch in one statement: new runs (skipping any whose (flowId,
   * eventId) exists), writes to existing runs (history, projections, outbox
   * rows, timers and dead letters), outbox rows of no run and outbox deletes.
   * Returns the ids of the new runs actually inserted.
   */
  writeBatch(batch: RunBatch): Promise<Set<string>>;
  /**
   * Counts runs against each chain's budget of `limit` runs, in input order:
   * a request is granted, and counted, only when the chain's count plus its
   * runs stays within `limit` (all or nothing). The counter rows stay locked
   * until the transaction ends, so concurrent transactions count one after
   * the other, and a rollback takes the counts back. Answers in input order.
   */
  reserveChainRuns(requests: readonly ChainRunRequest[], limit: number): Promise<ChainRunGrant[]>;
  /**
   * The flow revision, for a transaction that fans events out to subscribe
   * flows: a flow change in progress is waited for and counted, and flow
   * changes wait for this transaction to end. So a flow change whose commit
   * has been answered is in the revision read, and one that is not in it
   * commits after this transaction. One small statement; it writes nothing.
   */
  flowRevision(): Promise<number>;
}

export interface StorePort {
  // Flows
  createFlow(input: { name: string; description: string | null; graph: FlowGraph }): Promise<FlowRecord>;
  /** Saves a new version; undefined when the flow does not exist or is archived. */
  saveFlowVersion(id: string, input: { name?: string; description?: string | null; graph: FlowGraph }): Promise<FlowRecord | undefined>;
  /** The latest version, or the given one. */
  getFlow(id: string, version?: number): Promise<FlowRecord | undefined>;
  listFlows(): Promise<FlowRecord[]>;
  /** Active flows at their latest version, oldest first, a page at a time; refuses a cursor it did not issue (`code: 'bad_request'`). */
  listFlowPage(query: FlowListQuery): Promise<{ items: FlowRecord[]; nextCursor: string | null }>;
  listFlowVersions(id: string): Promise<FlowVersionDto[] | undefined>;
  archiveFlow(id: string): Promise<boolean>;
  listSubscriptions(): Promise<Subscription[]>;
  /** `listSubscriptions` and the flow revision it is as of, in one statement. */
  subscriptionSnapshot(): Promise<SubscriptionSnapshot>;

  // Runs
  transaction<T>(work: (tx: RunTransaction) => Promise<T>): Promise<T>;
  /**
   * Writes new runs as one statement, hence one transaction of its own (no
   * BEGIN/COMMIT round trips). Returns the ids actually inserted.
   */
  commitNewRuns(batch: NewRunBatch): Promise<Set<string>>;
  getRun(id: string): Promise<RunState | undefined>;
  getRuns(ids: readonly string[]): Promise<Map<string, RunState>>;
  listRuns(query: RunListQuery): Promise<{ items: RunState[]; nextCursor: string | null }>;
  /** Runs a search key value finds, newest first, paged like `listRuns` (an index lookup). */
  listRunsByKey(query: RunKeyQuery): Promise<{ items: RunState[]; nextCursor: string | null }>;
  /**
   * The next runs of a flow, newest first, with their payloads: at most
   * `limit`, and fewer once their payloads pass a few MiB (never none while
   * runs remain). `more` is false when the last run read is the flow's oldest.
   */
  scanRuns(query: RunScanQuery): Promise<{ runs: ScannedRun[]; more: boolean }>;
  /** Events with seq > afterSeq (default 0), in order. */
  getHistory(runId: string, afterSeq?: number): Promise<HistoryEvent[]>;
  /**
   * A flow's work in progress for its live figures: its running runs' steps
   * in progress and retries waiting, and its step messages in the outbox,
   * each read within `limits` (one statement; docs/live-topology.md).
   */
  flowWork(flowId: string, limits: FlowWorkLimits): Promise<FlowWork>;

  // Outbox
  /** Entries created before `olderThan` (ISO), oldest first. */
  pendingOutbox(olderThan: string, limit: number): Promise<OutboxEntry[]>;
  deleteOutbox(ids: readonly string[]): Promise<void>;
  outboxBacklog(): Promise<number>;

  // Timers
  /**
   * Moves timers due at or before `now` into the outbox as step messages, in
   * one transaction (`FOR UPDATE SKIP LOCKED`), and returns the new entries.
   */
  fireDueTimers(now: string, limit: number): Promise<OutboxEntry[]>;
  listRetries(limit: number): Promise<ScheduledRetry[]>;
  /** Earliest due time of any timer, to know when to look again. */
  nextTimerDue(): Promise<string | undefined>;

  // Step deliveries (each call is a transaction of its own, kept whatever happens to the work it counts)
  /**
   * Counts one more delivery of each redelivered message. A message without
   * a count yet counts 2: this delivery and the unsettled one before it.
   * Answers in input order.
   */
  countRedeliveries(keys: readonly StepDeliveryKey[]): Promise<StepDeliveryCount[]>;
  /**
   * Records why a delivery of each message failed, without counting a
   * delivery (a message without a count yet counts 1). Answers in input order.
   */
  recordDeliveryFailures(failures: readonly { key: StepDeliveryKey; error: string }[]): Promise<StepDeliveryCount[]>;

  // Dead letters
  listDeadLetters(limit: number): Promise<DeadLetterRecord[]>;
  getDeadLetter(id: string): Promise<DeadLetterRecord | undefined>;
  /** Marks it discarded; false when it is not an open dead letter. */
  discardDeadLetter(id: string): Promise<boolean>;

  // Shadow replay (docs/replay.md): the recorded runs it reads and its own tables
  readonly replays: ReplayStore;

  ping(): Promise<void>;
  close(): Promise<void>;
}
