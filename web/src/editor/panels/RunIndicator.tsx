import type { RunStatus } from '@sluice/contracts';
import { Link } from 'react-router-dom';
import { formatAgo } from '../../format/timestamps';
import { useRunStatusStore } from '../store/RunStatusStoreContext';

const LABELS: Record<RunStatus, string> = { queued: 'Queued', running: 'Running', succeeded: 'Succeeded', failed: 'Failed', ignored: 'Ignored' };

/** Floating chip naming the run the overlay shows, linking to its detail page. */
export function RunIndicator() {
  const run = useRunStatusStore((state) => state.run);
  if (!run) {
    return (
      <div className="sl-run-chip is-empty" data-testid="run-indicator">
        No runs yet — send a test event to watch one live
      </div>
    );
  }
  return (
    <Link to={`/runs/${run.id}`} className={`sl-run-chip run-${run.status}`} data-testid="run-indicator" data-run-id={run.id} data-run-status={run.status}>
      <span className="sl-status-dot" />
      <span className="sl-run-chip__label">{LABELS[run.status]}</span>
      <span className="sl-run-chip__meta">
        run {run.id.slice(0, 8)} · v{run.flowVersion} · {formatAgo(run.startedAt)}
      </span>
      <span className="sl-run-chip__open">Open →</span>
    </Link>
  );
}
