import type { RetryDto } from '@sluice/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { formatDuration } from '../format/durations';
import { formatClock, formatDateTime } from '../format/timestamps';
import { EmptyState } from '../ui/EmptyState';
import { SkeletonTable } from '../ui/SkeletonTable';
import { Toast, useToast } from '../ui/Toast';
import { useNow } from '../ui/useNow';
import { RefreshHint } from './RefreshHint';
import { AttemptMeter, ErrorSummary, StepCell } from './StepCells';
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
