import type { ReplayEventSummary } from '@sluice/contracts';

/**
 * The events of a replay, changed ones first, each group in the order given
 * (the input order: newest run first). The API already answers in this
 * order; sorting again keeps the list right for any answer, and is stable.
 */
export function changedFirst<T extends Pick<ReplayEventSummary, 'changed'>>(events: readonly T[]): T[] {
  return [...events.filter((event) => event.changed), ...events.filter((event) => !event.changed)];
}

/** Short phrases saying what differs in one replayed event, for its row in the list. Empty when nothing does. */
export function eventChanges(event: Pick<ReplayEventSummary, 'pathChanged' | 'outputsChanged' | 'statusBefore' | 'statusAfter' | 'failedNodes'>): string[] {
  const changes: string[] = [];
  if (event.statusBefore !== event.statusAfter) changes.push(`ends ${event.statusAfter} instead of ${event.statusBefore}`);
  if (event.pathChanged) changes.push('takes another path');
  if (event.outputsChanged.length > 0) changes.push(`output differs at ${list(event.outputsChanged)}`);
  if (event.failedNodes.length > 0) changes.push(`fails at ${list(event.failedNodes)}`);
  return changes;
}

/** How many rows of the events list are drawn at first; more come on request, so 10,000 events stay light. */
export const EVENT_PAGE = 100;

function list(ids: readonly string[]): string {
  const shown = ids.slice(0, 3).join(', ');
  return ids.length > 3 ? `${shown} and ${ids.length - 3} more` : shown;
}
