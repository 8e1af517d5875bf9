import type { ReplayProgress as Progress, ReplayStatus } from '@sluice/contracts';

/** The replay's progress bar: events replayed of those it covers, and how it ended. Fixed height, so nothing below moves as it fills. */
export function ReplayProgress({ status, progress, error }: { status: ReplayStatus; progress: Progress; error: string | null }) {
  const percent = progress.total === 0 ? (status === 'running' ? 0 : 100) : Math.min(100, Math.round((progress.done / progress.total) * 100));
  const label = status === 'running' ? 'Replaying…' : status === 'succeeded' ? 'Replayed' : 'Replay failed';
  return (
    <div className={`sl-replay-progress is-${status}`} data-testid="replay-progress" data-status={status}>
      <div className="sl-replay-progress__text">
        <span className="sl-replay-progress__label">{label}</span>
        <span className="sl-tabular">
          {progress.done.toLocaleString('en')} of {progress.total.toLocaleString('en')} event{progress.total === 1 ? '' : 's'}
        </span>
      </div>
      <div
        className="sl-replay-progress__bar"
        role="progressbar"
        aria-label="Events replayed"
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={progress.done}
      >
        <span style={{ width: `${percent}%` }} />
      </div>
      {status === 'failed' && (
        <div className="sl-replay-alert" role="alert" data-testid="replay-failed">
          {error ?? 'The replay stopped.'}
        </div>
      )}
    </div>
  );
}
