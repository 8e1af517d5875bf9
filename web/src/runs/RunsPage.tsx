import { RUN_STATUSES, type RunDto, type RunStatus } from '@sluice/contracts';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { formatDuration } from '../format/durations';
import { formatAgo, formatDateTime } from '../format/timestamps';
import { EmptyState } from '../ui/EmptyState';
import { SkeletonTable } from '../ui/SkeletonTable';
import { useNow } from '../ui/useNow';
import { runDurationMs } from './lib/runStep';
import { runStatusLabel, RunStatusBadge } from './RunStatusBadge';
import './runs.css';

/** Runs fetched per page. */
const PAGE_SIZE = 50;
/** Refresh interval of the list, in ms. */
const REFRESH_MS = 3000;

/** `/flows/:id/runs[?status=]`: a flow's runs, newest first, filtered by status. */
export function RunsPage() {
  const { id: flowId = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const statusParam = search.get('status');
  const status = (RUN_STATUSES as readonly string[]).includes(statusParam ?? '') ? (statusParam as RunStatus) : undefined;
  const now = useNow(1000);

  const flow = useQuery({ queryKey: queryKeys.flow(flowId), queryFn: () => api.getFlow(flowId), staleTime: 30_000 });
  const runs = useInfiniteQuery({
    queryKey: ['runs', { flowId, status, list: true }],
    queryFn: ({ pageParam }) => api.listRuns({ flowId, limit: PAGE_SIZE, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: '' as string,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: REFRESH_MS,
  });
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];

  const setStatus = (next: RunStatus | undefined): void => setSearch(next ? { status: next } : {}, { replace: true });

  return (
    <div className="sl-page" data-testid="runs-page">
      <nav className="sl-crumbs" aria-label="Breadcrumb">
        <Link to="/">Flows</Link>
        <span aria-hidden>/</span>
        <Link to={`/flows/${flowId}`}>{flow.data?.name ?? 'Flow'}</Link>
        <span aria-hidden>/</span>
        <span className="sl-crumbs__here">Runs</span>
      </nav>
      <PageHeader
        title={flow.data ? `Runs of ${flow.data.name}` : 'Runs'}
        subtitle="Newest first. Each run is one event through one version of the flow."
        actions={
          <Link className="sl-btn" to={`/flows/${flowId}`}>
            Open editor
          </Link>
        }
      />
      <div className="sl-filter-bar" role="toolbar" aria-label="Filter by status">
        <FilterChip active={!status} onClick={() => setStatus(undefined)} testId="runs-filter-all">
          All
        </FilterChip>
        {RUN_STATUSES.map((candidate) => (
          <FilterChip key={candidate} active={status === candidate} onClick={() => setStatus(candidate)} testId={`runs-filter-${candidate}`} status={candidate}>
            {runStatusLabel(candidate)}
          </FilterChip>
        ))}
        <span className="sl-filter-bar__meta sl-muted sl-small">{runs.isFetching ? 'Refreshing…' : `${items.length}${runs.hasNextPage ? '+' : ''} run${items.length === 1 ? '' : 's'}`}</span>
      </div>
      {(runs.error ?? flow.error) && <div className="sl-alert">{errorMessage(runs.error ?? flow.error)}</div>}
      {runs.isPending ? (
        <SkeletonTable columns={6} />
      ) : items.length === 0 ? (
        <EmptyState
          icon="runs"
          title={status ? `No ${runStatusLabel(status).toLowerCase()} runs` : 'No runs yet'}
          testId="runs-empty"
          action={
            status ? (
              <button type="button" className="sl-btn" data-testid="runs-clear-filter" onClick={() => setStatus(undefined)}>
                Show all runs
              </button>
            ) : (
              <Link className="sl-btn sl-btn--primary" to={`/flows/${flowId}`}>
                Open the editor to send a test event
              </Link>
            )
          }
        >
          {status ? 'None of this flow’s runs has that status right now.' : 'Every event this flow receives starts a run. It shows up here the moment it starts.'}
        </EmptyState>
      ) : (
        <table className="sl-table sl-table--hover" data-testid="runs-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Run</th>
              <th>Version</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Steps</th>
            </tr>
          </thead>
          <tbody>
            {items.map((run) => (
              <tr key={run.id} data-testid={`run-row-${run.id}`} onClick={() => void navigate(`/runs/${run.id}`)}>
                <td>
                  <RunStatusBadge status={run.status} />
                </td>
                <td>
                  <Link className="sl-mono" to={`/runs/${run.id}`} onClick={(event) => event.stopPropagation()}>
                    {run.id.slice(0, 8)}
                  </Link>
                </td>
                <td>
                  <span className="sl-version-chip">v{run.flowVersion}</span>
                </td>
                <td title={formatDateTime(run.startedAt)}>{formatAgo(run.startedAt, now)}</td>
                <td className="sl-tabular">{formatDuration(runDurationMs(run, now))}</td>
                <td>
                  <StepSummary run={run} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runs.hasNextPage && (
        <div className="sl-load-more">
          <button type="button" className="sl-btn" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
            {runs.isFetchingNextPage ? 'Loading…' : 'Load older runs'}
          </button>
        </div>
      )}
    </div>
  );
}

function FilterChip({ active, onClick, children, testId, status }: { active: boolean; onClick: () => void; children: string; testId: string; status?: RunStatus }) {
  return (
    <button type="button" className={`sl-chip${active ? ' is-active' : ''}${status ? ` run-${status}` : ''}`} aria-pressed={active} data-testid={testId} onClick={onClick}>
      {status && <span className="sl-status-dot" />}
      {children}
    </button>
  );
}

/** "4 steps · 1 dead · 2 retries". */
function StepSummary({ run }: { run: RunDto }) {
  const ran = run.steps.filter((step) => step.status !== 'skipped').length;
  const dead = run.steps.filter((step) => step.status === 'dead').length;
  const retrying = run.steps.filter((step) => step.status === 'retrying').length;
  const extra = run.steps.reduce((sum, step) => sum + Math.max(0, step.attempts - 1), 0);
  return (
    <span className="sl-step-summary">
      {ran} step{ran === 1 ? '' : 's'}
      {dead > 0 && <span className="sl-step-summary__bad"> · {dead} dead</span>}
      {retrying > 0 && <span className="sl-step-summary__warn"> · {retrying} retrying</span>}
      {extra > 0 && <span className="sl-muted"> · {extra} retr{extra === 1 ? 'y' : 'ies'}</span>}
    </span>
  );
}
