import type { RetryDto } from '@sluice/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { formatDuration } from '../editor/lib/formatDuration';
import { formatClock, formatDateTime } from '../runs/lib/formatTime';
import { SkeletonTable } from '../runs/RunsPage';
import { useNow } from '../runs/useNow';
import { Toast, useToast } from '../ui/Toast';
import { EmptyState } from './EmptyState';
import { useFlowIndex } from './useFlowIndex';
import './monitor.css';

/** Refresh interval of the list, in ms. */
const REFRESH_MS = 2000;

/** `/retries`: scheduled retries, soonest first, with live countdowns and "Retry now". */
export function RetriesPage() {
  const queryClient = useQueryClient();
  const retries = useQuery({ queryKey: queryKeys.retries, queryFn: api.listRetries, refetchInterval: REFRESH_MS });
  const flows = useFlowIndex();
  const now = useNow(1000);
  const { toast, notify } = useToast();
  const retryNow = useMutation({
    mutationFn: (retry: RetryDto) => api.retryRun(retry.runId),
    onSuccess: (_result, retry) => {
      notify(`Retrying ${retry.nodeId} of run ${retry.runId.slice(0, 8)} now`);
      void queryClient.invalidateQueries({ queryKey: queryKeys.retries });
    },
    onError: (error) => notify(`Retry failed: ${errorMessage(error)}`, 'error'),
  });
  const items = retries.data?.items ?? [];

  return (
    <div className="sl-page" data-testid="retries-page">
      <PageHeader
        title="Retries"
        subtitle="Steps that failed with a retryable error, waiting for their next attempt."
        actions={<RefreshHint fetching={retries.isFetching} count={items.length} noun="scheduled" />}
      />
      {retries.error && <div className="sl-alert">{errorMessage(retries.error)}</div>}
      {retries.isPending ? (
        <SkeletonTable columns={6} />
      ) : items.length === 0 ? (
        <EmptyState icon="retries" tone="good" title="No retries scheduled" testId="retries-empty">
          When a step fails with a retryable error — a 503, a timeout, a dropped connection — it waits here for its next attempt, with a live countdown and the error
          that caused it.
        </EmptyState>
      ) : (
        <table className="sl-table sl-monitor-table" data-testid="retries-table">
          <thead>
            <tr>
              <th>Next attempt</th>
              <th>Step</th>
              <th>Attempt</th>
              <th>Last error</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {items.map((retry) => {
              const left = Date.parse(retry.dueAt) - now;
              const key = `${retry.runId}:${retry.nodeId}`;
              const pending = retryNow.isPending && retryNow.variables.runId === retry.runId;
              return (
                <tr key={key} data-testid={`retry-row-${retry.runId}`} data-node-id={retry.nodeId}>
                  <td>
                    <div className={`sl-due${left <= 0 ? ' is-due' : ''}`} data-testid="retry-countdown">
                      {left > 0 ? `in ${formatDuration(left)}` : 'due now'}
                    </div>
                    <div className="sl-muted sl-small" title={formatDateTime(retry.dueAt)}>
                      at {formatClock(retry.dueAt)}
                    </div>
                  </td>
                  <td>
                    <StepCell flowId={retry.flowId} flowName={flows.name(retry.flowId)} nodeLabel={flows.nodeLabel(retry.flowId, retry.nodeId)} runId={retry.runId} nodeId={retry.nodeId} />
                  </td>
                  <td>
                    <AttemptMeter attempt={retry.attempt} max={retry.maxAttempts} />
                  </td>
                  <td className="sl-monitor-table__error">{retry.lastError ? <ErrorSummary error={retry.lastError} /> : <span className="sl-muted">—</span>}</td>
                  <td className="sl-monitor-table__actions">
                    <button type="button" className="sl-btn sl-btn--sm" data-testid="retry-now" disabled={pending} onClick={() => retryNow.mutate(retry)}>
                      {pending ? 'Retrying…' : 'Retry now'}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Toast toast={toast} />
    </div>
  );
}

/** Flow, run and node of a step, each a link. */
export function StepCell({ flowId, flowName, nodeLabel, runId, nodeId }: { flowId: string; flowName: string | undefined; nodeLabel: string | undefined; runId: string; nodeId: string }) {
  return (
    <div className="sl-step-cell">
      <Link className="sl-step-cell__node" to={`/runs/${runId}?node=${encodeURIComponent(nodeId)}`} title="Show this step in its run">
        {nodeLabel ?? nodeId}
        {nodeLabel && <span className="sl-step-cell__id">{nodeId}</span>}
      </Link>
      <div className="sl-step-cell__where sl-small">
        <Link to={`/flows/${flowId}`}>{flowName ?? `flow ${flowId.slice(0, 8)}`}</Link>
        <span aria-hidden> · </span>
        <Link className="sl-mono" to={`/runs/${runId}`}>
          run {runId.slice(0, 8)}
        </Link>
      </div>
    </div>
  );
}

/** "attempt 2 of 5" with one pip per attempt. */
export function AttemptMeter({ attempt, max, done }: { attempt: number; max: number; done?: boolean }) {
  const pips = Math.min(max, 10);
  return (
    <div className="sl-attempts" title={`Attempt ${attempt} of ${max}`}>
      <span className="sl-attempts__text">
        {done ? `${attempt} attempt${attempt === 1 ? '' : 's'}` : `attempt ${attempt} of ${max}`}
      </span>
      <span className="sl-attempts__pips" aria-hidden>
        {Array.from({ length: pips }, (_, index) => (
          <span key={index} className={`sl-attempts__pip${index < attempt - (done ? 0 : 1) ? ' is-used' : index === attempt - 1 ? ' is-next' : ''}`} />
        ))}
      </span>
    </div>
  );
}

/** An error's code (and HTTP status) as chips, with its message. */
export function ErrorSummary({ error }: { error: { code: string; message: string; status?: number } }) {
  return (
    <div className="sl-error-summary">
      <span className="sl-code-chip">{error.code}</span>
      {error.status !== undefined && <span className="sl-code-chip">HTTP {error.status}</span>}
      <span className="sl-error-summary__message" title={error.message}>
        {error.message}
      </span>
    </div>
  );
}

export function RefreshHint({ fetching, count, noun }: { fetching: boolean; count: number; noun: string }) {
  return (
    <span className={`sl-refresh${fetching ? ' is-fetching' : ''}`}>
      <span className="sl-refresh__dot" />
      {count} {noun} · live
    </span>
  );
}
