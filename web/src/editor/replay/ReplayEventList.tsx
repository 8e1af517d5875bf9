import type { ReplayEventSummary } from '@sluice/contracts';
import { useState } from 'react';
import { formatDateTime } from '../../format/timestamps';
import { RunStatusBadge } from '../../runs/RunStatusBadge';
import { changedFirst, EVENT_PAGE, eventChanges } from './lib/replayEvents';

/**
 * The replay's events, changed ones first, each with its run's status before
 * → after and what changed. A row opens the side-by-side view. Rows come
 * {@link EVENT_PAGE} at a time.
 */
export function ReplayEventList({ events, onOpen }: { events: readonly ReplayEventSummary[]; onOpen: (runId: string) => void }) {
  const [shown, setShown] = useState(EVENT_PAGE);
  const ordered = changedFirst(events);
  const changed = ordered.filter((event) => event.changed).length;
  if (ordered.length === 0) return <p className="sl-muted sl-small">No recorded events matched.</p>;
  return (
    <section className="sl-replay-events" aria-labelledby="replay-events-title">
      <h3 id="replay-events-title" className="sl-section__title">
        Events
        <span className="sl-section__aside sl-muted">
          {changed} changed of {ordered.length}
        </span>
      </h3>
      <ul className="sl-replay-events__list" data-testid="replay-events">
        {ordered.slice(0, shown).map((event) => {
          const changes = eventChanges(event);
          return (
            <li key={event.runId}>
              <button
                type="button"
                className={`sl-replay-event${event.changed ? ' is-changed' : ''}`}
                data-testid="replay-event"
                data-run-id={event.runId}
                data-changed={event.changed}
                title={`Run ${event.runId}, started ${formatDateTime(event.startedAt)}: open both runs side by side`}
                onClick={() => onOpen(event.runId)}
              >
                <span className="sl-replay-event__statuses">
                  <RunStatusBadge status={event.statusBefore} />
                  <span aria-label="now">→</span>
                  <RunStatusBadge status={event.statusAfter} />
                </span>
                <span className="sl-replay-event__what">{changes.length > 0 ? changes.join(' · ') : 'unchanged'}</span>
                <span className="sl-replay-event__id">{event.runId.slice(0, 8)}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {ordered.length > shown && (
        <button type="button" className="sl-link sl-replay-events__more" onClick={() => setShown(shown + EVENT_PAGE)}>
          Show {Math.min(EVENT_PAGE, ordered.length - shown)} more of {ordered.length - shown}
        </button>
      )}
    </section>
  );
}
