import type { HistoryEvent } from '@sluice/contracts';
import type { CSSProperties } from 'react';
import { formatClock } from '../format/timestamps';
import { eventLabel } from './lib/eventSummary';

export interface TimeTravelBarProps {
  /** The seq on the slider. */
  value: number;
  lastSeq: number;
  /** The event at `value`, when the history has it. */
  event: HistoryEvent | undefined;
  /** True while the run is still in play. */
  running: boolean;
  /** True while the state for `value` is on its way. */
  loading: boolean;
  onChange: (seq: number) => void;
}

/** The time-travel slider over `seq` (1…lastSeq); at the end it follows the run live. */
export function TimeTravelBar({ value, lastSeq, event, running, loading, onChange }: TimeTravelBarProps) {
  const live = value >= lastSeq;
  const percent = lastSeq > 1 ? ((value - 1) / (lastSeq - 1)) * 100 : 100;
  return (
    <div className={`sl-travel${live ? ' is-live' : ''}`} data-testid="time-travel-bar">
      <div className="sl-travel__label">
        <span className="sl-travel__title">Time travel</span>
        <span className="sl-travel__where" data-testid="time-travel-position">
          seq <b>{value}</b> of {lastSeq}
          {event && (
            <>
              {' '}
              · {eventLabel(event.type)}
              {event.nodeId ? <span className="sl-mono"> {event.nodeId}</span> : null} · {formatClock(event.at)}
            </>
          )}
        </span>
      </div>
      <button type="button" className="sl-travel__step" onClick={() => onChange(Math.max(1, value - 1))} disabled={value <= 1} aria-label="One event back">
        ‹
      </button>
      <input
        type="range"
        className="sl-travel__range"
        data-testid="time-travel"
        min={1}
        max={Math.max(1, lastSeq)}
        step={1}
        value={value}
        aria-label="History seq"
        style={{ '--fill': `${percent}%` } as CSSProperties}
        onChange={(change) => onChange(Number(change.target.value))}
      />
      <button type="button" className="sl-travel__step" onClick={() => onChange(Math.min(lastSeq, value + 1))} disabled={live} aria-label="One event forward">
        ›
      </button>
      {live ? (
        <span className={`sl-live${running ? ' is-running' : ''}`} data-testid="time-travel-live">
          <span className="sl-live__dot" />
          Live
        </span>
      ) : (
        <button type="button" className="sl-btn sl-btn--sm" data-testid="time-travel-go-live" onClick={() => onChange(lastSeq)}>
          {loading ? 'Loading…' : 'Back to live'}
        </button>
      )}
    </div>
  );
}
