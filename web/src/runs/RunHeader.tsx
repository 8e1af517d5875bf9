import type { FlowDto, RunState } from '@sluice/contracts';
import { Link } from 'react-router-dom';
import { formatDuration } from '../format/durations';
import { formatAgo, formatDateTime } from '../format/timestamps';
import { useNow } from '../ui/useNow';
import { runDurationMs } from './lib/runStep';
import { RunStatusBadge } from './RunStatusBadge';

const SOURCES: Record<RunState['source'], string> = { rest: 'REST event', topic: 'Topic event', publish: 'Published by a flow' };

/** Run detail header: where the run belongs, its status and its timing (ticking while it runs). */
export function RunHeader({ run, flow }: { run: RunState; flow: FlowDto | undefined }) {
  const running = !run.finishedAt;
  const now = useNow(1000, running);
  const flowName = flow?.name ?? run.flowId.slice(0, 8);
  return (
    <header className="sl-run__header" data-testid="run-header">
      <nav className="sl-crumbs" aria-label="Breadcrumb">
        <Link to="/">Flows</Link>
        <span aria-hidden>/</span>
        <Link to={`/flows/${run.flowId}`}>{flowName}</Link>
        <span aria-hidden>/</span>
        <Link to={`/flows/${run.flowId}/runs`}>Runs</Link>
        <span aria-hidden>/</span>
        <span className="sl-crumbs__here">{run.id.slice(0, 8)}</span>
      </nav>
      <div className="sl-run__title-row">
        <div className="sl-run__title">
          <h1>
            Run <span className="sl-mono">{run.id.slice(0, 8)}</span>
          </h1>
          <RunStatusBadge status={run.status} testId="run-status" />
        </div>
        <div className="sl-run__actions">
          <Link className="sl-btn sl-btn--sm" to={`/flows/${run.flowId}/runs`}>
            All runs
          </Link>
          <Link className="sl-btn sl-btn--sm" to={`/flows/${run.flowId}`} data-testid="open-flow">
            Open flow
          </Link>
        </div>
      </div>
      <dl className="sl-facts">
        <div>
          <dt>Flow</dt>
          <dd>
            <Link to={`/flows/${run.flowId}`}>{flowName}</Link>{' '}
            <Link className="sl-version-chip" to={`/flows/${run.flowId}?version=${run.flowVersion}`} title="Open the version this run used">
              v{run.flowVersion}
            </Link>
          </dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd>
            {SOURCES[run.source]}
            {run.topic ? <span className="sl-mono"> {run.topic}</span> : null}
            {run.parentRunId ? (
              <>
                {' '}
                from <Link to={`/runs/${run.parentRunId}`}>run {run.parentRunId.slice(0, 8)}</Link>
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd title={formatDateTime(run.startedAt)}>
            {formatDateTime(run.startedAt)} <span className="sl-muted">· {formatAgo(run.startedAt, now)}</span>
          </dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{run.finishedAt ? formatDateTime(run.finishedAt) : <span className="sl-muted">still running</span>}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd className="sl-tabular" data-testid="run-duration">
            {formatDuration(runDurationMs(run, now))}
          </dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd className="sl-tabular">{run.lastSeq}</dd>
        </div>
      </dl>
    </header>
  );
}
