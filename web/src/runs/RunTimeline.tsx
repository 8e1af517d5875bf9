import type { HistoryEvent } from '@sluice/contracts';
import { memo, useEffect, useRef } from 'react';
import { formatClock, formatOffset } from '../format/timestamps';
import { eventLabel, eventTone, summarizeEvent } from './lib/eventSummary';

export interface RunTimelineProps {
  events: readonly HistoryEvent[];
  startedAt: string;
  /** The seq the page shows; later events are dimmed. */
  asOf: number;
  selectedNodeId: string | undefined;
  onSelectNode: (nodeId: string) => void;
  onTravel: (seq: number) => void;
}

/** The run's history as a timeline: seq, type, node, time and a compact summary; a click selects the event's node. */
export const RunTimeline = memo(function RunTimeline({ events, startedAt, asOf, selectedNodeId, onSelectNode, onTravel }: RunTimelineProps) {
  const current = useRef<HTMLLIElement>(null);
  useEffect(() => {
    current.current?.scrollIntoView({ block: 'nearest' });
  }, [asOf]);

  if (events.length === 0) return <div className="sl-timeline__empty">Loading history…</div>;
  return (
    <ol className="sl-timeline" data-testid="timeline">
      {events.map((event) => {
        const future = event.seq > asOf;
        const classes = ['sl-timeline__entry', `ev-${eventTone(event.type)}`];
        if (future) classes.push('is-future');
        if (event.seq === asOf) classes.push('is-current');
        if (event.nodeId && event.nodeId === selectedNodeId) classes.push('is-selected');
        const summary = summarizeEvent(event);
        return (
          <li key={event.seq} ref={event.seq === asOf ? current : undefined} className={classes.join(' ')} data-testid={`timeline-entry-${event.seq}`} data-type={event.type}>
            <button
              type="button"
              className="sl-timeline__main"
              onClick={() => (event.nodeId ? onSelectNode(event.nodeId) : onTravel(event.seq))}
              title={event.nodeId ? `Show step ${event.nodeId}` : 'Show the run at this event'}
            >
              <span className="sl-timeline__seq">{event.seq}</span>
              <span className="sl-timeline__marker" aria-hidden />
              <span className="sl-timeline__type">{eventLabel(event.type)}</span>
              <span className="sl-timeline__node">{event.nodeId ?? ''}</span>
              <span className="sl-timeline__time" title={formatClock(event.at)}>
                {formatOffset(event.at, startedAt)}
              </span>
              <span className="sl-timeline__summary" title={summary}>
                {summary}
              </span>
            </button>
            <button type="button" className="sl-timeline__travel" onClick={() => onTravel(event.seq)} title={`Show the run as of seq ${event.seq}`} aria-label={`Travel to seq ${event.seq}`}>
              <svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
                <path d="M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2" />
              </svg>
            </button>
          </li>
        );
      })}
    </ol>
  );
});
