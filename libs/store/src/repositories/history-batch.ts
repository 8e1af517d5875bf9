/**
 * How a batch row of `history` holds its events (migration 1767657600000,
 * docs/schema.md): one row per run per commit, its `events` a JSON array of
 * the HistoryEvents without their `runId`, which is the row's.
 */
import type { HistoryEvent } from '@sluice/contracts';

/** One element of `history.events`. */
export interface BatchEvent {
  seq: number;
  type: HistoryEvent['type'];
  nodeId?: string;
  /** ISO timestamp, as `Date.toISOString()` writes it. */
  at: string;
  data: HistoryEvent['data'];
}

/**
 * The `events` value of one batch, as JSON text: the run's events in seq
 * order, serialised once. `at` is written as `toISOString()` gives it, as the
 * `timestamptz` column of the per-event rows did: an `at` that is no
 * timestamp throws `RangeError`, which the store reports as unstorable.
 */
export function batchEventsJson(events: readonly HistoryEvent[]): string {
  return JSON.stringify(events.map((event): BatchEvent => {
    const at = new Date(event.at).toISOString();
    const data = event.data ?? null;
    return event.nodeId === undefined
      ? { seq: event.seq, type: event.type, at, data }
      : { seq: event.seq, type: event.type, nodeId: event.nodeId, at, data };
  }));
}

/** The events of a batch row of `runId` after `afterSeq`, as HistoryEvents (fields in the order the API has always sent them). */
export function batchHistoryEvents(runId: string, events: readonly BatchEvent[], afterSeq: number): HistoryEvent[] {
  return events.flatMap((event) => (event.seq > afterSeq
    ? [{
      runId, seq: event.seq, type: event.type, at: event.at, data: event.data,
      ...(event.nodeId === undefined ? {} : { nodeId: event.nodeId }),
    } as HistoryEvent]
    : []));
}
