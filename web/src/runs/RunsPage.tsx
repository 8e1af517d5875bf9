import { RUN_STATUSES, type Page, type RunDto, type RunQueryPage, type RunStatus } from '@sluice/contracts';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
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
import { parseRunSearch, searchKeyNames, type RunSearch } from './lib/runSearch';
import { runDurationMs } from './lib/runStep';
import { RunSearchBox } from './RunSearchBox';
import { runStatusLabel, RunStatusBadge } from './RunStatusBadge';
import './runs.css';

/** Runs fetched per page. */
const PAGE_SIZE = 50;
/** Refresh interval of the list, in ms. */
const REFRESH_MS = 3000;

/** A page of the list, or of a search (a payload search adds how far it scanned). */
type RunsPageAnswer = Page<RunDto> & Partial<Pick<RunQueryPage, 'scanned' | 'complete'>>;

/** One page of runs: the plain list, or the search in effect. */
function loadRuns(flowId: string, search: RunSearch | undefined, params: { status?: RunStatus; limit: number; cursor?: string }): Promise<RunsPageAnswer> {
  if (!search) return api.listRuns({ flowId, ...params });
  return api.searchRuns(flowId, search.kind === 'key' ? { key: { name: search.name, value: search.value } } : { q: search.q }, params);
}

/**
 * `/flows/:id/runs[?status=&search=]`: a flow's runs, newest first, filtered
 * by status and by a search (a search key lookup or a payload predicate,
 * docs/rest-api.md#searching-runs).
 */
export function RunsPage() {
  const { id: flowId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const statusParam = params.get('status');
  const status = (RUN_STATUSES as readonly string[]).includes(statusParam ?? '') ? (statusParam as RunStatus) : undefined;
  const applied = params.get('search') ?? '';
  const now = useNow(1000);

  const flow = useQuery({ queryKey: queryKeys.flow(flowId), queryFn: () => api.getFlow(flowId), staleTime: 30_000 });
  const keys = useMemo(() => searchKeyNames(flow.data?.graph), [flow.data]);
  // Whether `name=value` names a search key depends on the flow: a search waits for it.
  const waitingForFlow = applied.trim() !== '' && !flow.data;
  const search = waitingForFlow ? undefined : parseRunSearch(applied, keys);
  const runs = useInfiniteQuery({
    queryKey: ['runs', { flowId, status, search: search ?? null, list: true }],
    queryFn: ({ pageParam }) => loadRuns(flowId, search, { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) }),
    enabled: !waitingForFlow,
    initialPageParam: '' as string,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // A payload search scans up to thousands of runs per page: it runs when asked, not on a timer.
    refetchInterval: search?.kind === 'q' ? false : REFRESH_MS,
  });
  const pages = runs.data?.pages ?? [];
  const items = pages.flatMap((page) => page.items);
  const scanned = search?.kind === 'q' ? pages.reduce((sum, page) => sum + (page.scanned ?? 0), 0) : undefined;

  const update = (next: { status: RunStatus | undefined; search: string }): void => {
    const entries: Record<string, string> = {};
    if (next.status) entries['status'] = next.status;
    if (next.search !== '') entries['search'] = next.search;
    setParams(entries, { replace: true });
  };
  const setStatus = (next: RunStatus | undefined): void => update({ status: next, search: applied });
  const setSearchText = (next: string): void => update({ status, search: next });
  const searchError = search && runs.error ? errorMessage(runs.error) : undefined;

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
      <RunSearchBox applied={applied} keys={keys} error={searchError} onSearch={setSearchText} />
      <div className="sl-filter-bar" role="toolbar" aria-label="Filter by status">
        <FilterChip active={!status} onClick={() => setStatus(undefined)} testId="runs-filter-all">
          All
        </FilterChip>
        {RUN_STATUSES.map((candidate) => (
          <FilterChip key={candidate} active={status === candidate} onClick={() => setStatus(candidate)} testId={`runs-filter-${candidate}`} status={candidate}>
            {runStatusLabel(candidate)}
          </FilterChip>
        ))}
        <span className="sl-filter-bar__meta sl-muted sl-small" data-testid="runs-meta">
          {runs.isFetching ? (search ? 'Searching…' : 'Refreshing…') : searchError ? null : listSummary(items.length, runs.hasNextPage, scanned)}
        </span>
      </div>
      {((!searchError && runs.error) || flow.error) && <div className="sl-alert">{errorMessage(flow.error ?? runs.error)}</div>}
      {searchError ? null : runs.isPending && !runs.isError ? (
        <SkeletonTable columns={6} />
      ) : search && items.length === 0 ? (
        <EmptyState
          icon="runs"
          title="No runs match"
          testId="runs-no-match"
          action={
            runs.hasNextPage ? (
              <button type="button" className="sl-btn" data-testid="runs-search-more" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
                {runs.isFetchingNextPage ? 'Searching…' : 'Search older runs'}
              </button>
            ) : (
              <button type="button" className="sl-btn" data-testid="runs-clear-search" onClick={() => setSearchText('')}>
                Clear the search
              </button>
            )
          }
        >
          {runs.hasNextPage
            ? `None of the ${scanned ?? 0} most recent runs matches. The search can go on with older runs.`
            : `No run of this flow${status ? ` with that status` : ''} matches ${search.kind === 'key' ? `${search.name}=${search.value}` : 'the predicate'}.`}
        </EmptyState>
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
      {runs.hasNextPage && items.length > 0 && (
        <div className="sl-load-more">
          <button type="button" className="sl-btn" data-testid="runs-load-more" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
            {runs.isFetchingNextPage ? 'Loading…' : search?.kind === 'q' ? 'Search older runs' : 'Load older runs'}
          </button>
        </div>
      )}
    </div>
  );
}

/** "12 runs", "50+ runs", and for a payload search how many runs it examined. */
function listSummary(count: number, more: boolean, scanned: number | undefined): string {
  const runs = `${count}${more ? '+' : ''} run${count === 1 && !more ? '' : 's'}`;
  if (scanned === undefined) return runs;
  return `${count} match${count === 1 ? '' : 'es'} among ${scanned.toLocaleString('en-US')} run${scanned === 1 ? '' : 's'} searched${more ? ' so far' : ''}`;
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
