import type { DeadLetterDto } from '@sluice/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { formatAgo, formatDateTime } from '../format/timestamps';
import { EmptyState } from '../ui/EmptyState';
import { SkeletonTable } from '../ui/SkeletonTable';
import { Toast, useToast } from '../ui/Toast';
import { useNow } from '../ui/useNow';
import { RefreshHint } from './RefreshHint';
import { AttemptMeter, ErrorSummary, StepCell } from './StepCells';
import { useFlowIndex } from './useFlowIndex';
import './monitor.css';

/** Refresh interval of the list, in ms. */
const REFRESH_MS = 3000;
/** How long a "Confirm discard" button waits for its second click, in ms. */
const CONFIRM_MS = 4000;

/** `/dead-letters`: steps that ran out of attempts, with redrive, discard and bulk redrive. */
export function DeadLettersPage() {
  const queryClient = useQueryClient();
  const letters = useQuery({ queryKey: queryKeys.deadLetters, queryFn: api.listDeadLetters, refetchInterval: REFRESH_MS });
  const flows = useFlowIndex();
  const now = useNow(10_000);
  const { toast, notify } = useToast();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const items = letters.data?.items ?? [];

  // Forget selections of letters that left the list (redriven elsewhere, discarded).
  useEffect(() => {
    const present = new Set(items.map((item) => item.id));
    setSelected((previous) => ([...previous].every((id) => present.has(id)) ? previous : new Set([...previous].filter((id) => present.has(id)))));
  }, [items]);
  useEffect(() => {
    if (!confirming) return undefined;
    const timer = setTimeout(() => setConfirming(null), CONFIRM_MS);
    return () => clearTimeout(timer);
  }, [confirming]);

  const refresh = (): void => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.deadLetters });
    void queryClient.invalidateQueries({ queryKey: queryKeys.retries });
  };
  const markBusy = (ids: readonly string[], on: boolean): void =>
    setBusy((previous) => {
      const next = new Set(previous);
      for (const id of ids) if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const redrive = useMutation({
    mutationFn: async (targets: readonly DeadLetterDto[]) => {
      markBusy(targets.map((target) => target.id), true);
      const results = await Promise.allSettled(targets.map((target) => api.redriveDeadLetter(target.id)));
      return results.map((result, index) => ({ letter: targets[index] as DeadLetterDto, error: result.status === 'rejected' ? (result.reason as unknown) : undefined }));
    },
    onSuccess: (results) => {
      const failed = results.filter((result) => result.error !== undefined);
      const done = results.length - failed.length;
      if (failed.length === 0) notify(results.length === 1 ? `Redriving ${results[0]?.letter.nodeId} of run ${results[0]?.letter.runId.slice(0, 8)}` : `Redriving ${done} dead letters`);
      else notify(`Redrove ${done} of ${results.length}: ${errorMessage(failed[0]?.error)}`, 'error');
      setSelected((previous) => new Set([...previous].filter((id) => !results.some((result) => result.letter.id === id && result.error === undefined))));
    },
    onSettled: (_results, _error, targets) => {
      markBusy(targets.map((target) => target.id), false);
      refresh();
    },
  });
  const discard = useMutation({
    mutationFn: (letter: DeadLetterDto) => {
      markBusy([letter.id], true);
      return api.discardDeadLetter(letter.id);
    },
    onSuccess: (_result, letter) => notify(`Discarded the dead letter of ${letter.nodeId}`),
    onError: (error) => notify(`Discard failed: ${errorMessage(error)}`, 'error'),
    onSettled: (_result, _error, letter) => {
      markBusy([letter.id], false);
      setConfirming(null);
      refresh();
    },
  });

  const allSelected = items.length > 0 && items.every((item) => selected.has(item.id));
  const toggleAll = (): void => setSelected(allSelected ? new Set() : new Set(items.map((item) => item.id)));
  const toggle = (id: string): void =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const chosen = items.filter((item) => selected.has(item.id));

  return (
    <div className="sl-page" data-testid="dead-letters-page">
      <PageHeader
        title="Dead letters"
        subtitle="Steps that ran out of attempts with no error edge to catch them. Fix the cause, then redrive: the step runs again with fresh attempts."
        actions={<RefreshHint fetching={letters.isFetching} count={items.length} noun="waiting" />}
      />
      {letters.error && <div className="sl-alert">{errorMessage(letters.error)}</div>}
      {items.length > 0 && (
        <div className={`sl-bulk-bar${chosen.length > 0 ? ' is-active' : ''}`} data-testid="bulk-bar">
          <label className="sl-check">
            <input type="checkbox" checked={allSelected} onChange={toggleAll} data-testid="select-all" aria-label="Select all dead letters" />
            <span>{chosen.length > 0 ? `${chosen.length} selected` : 'Select all'}</span>
          </label>
          <button
            type="button"
            className="sl-btn sl-btn--primary sl-btn--sm"
            data-testid="redrive-selected"
            disabled={chosen.length === 0 || redrive.isPending}
            onClick={() => redrive.mutate(chosen)}
          >
            Redrive selected{chosen.length > 0 ? ` (${chosen.length})` : ''}
          </button>
        </div>
      )}
      {letters.isPending ? (
        <SkeletonTable columns={6} />
      ) : items.length === 0 ? (
        <EmptyState icon="dead" tone="good" title="No dead letters" testId="dead-letters-empty">
          Every step either succeeded, is still retrying, or was caught by an error edge. When a step runs out of attempts it lands here with its error, ready to
          redrive once the cause is fixed.
        </EmptyState>
      ) : (
        <table className="sl-table sl-monitor-table" data-testid="dead-letters-table">
          <thead>
            <tr>
              <th className="sl-monitor-table__check" aria-label="Select" />
              <th>Step</th>
              <th>Error</th>
              <th>Attempts</th>
              <th>Dead since</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {items.map((letter) => {
              const working = busy.has(letter.id);
              return (
                <tr key={letter.id} data-testid={`dead-letter-${letter.id}`} data-run-id={letter.runId} data-node-id={letter.nodeId} className={selected.has(letter.id) ? 'is-selected' : undefined}>
                  <td className="sl-monitor-table__check">
                    <input type="checkbox" checked={selected.has(letter.id)} onChange={() => toggle(letter.id)} aria-label={`Select ${letter.nodeId} of run ${letter.runId.slice(0, 8)}`} data-testid="select-letter" />
                  </td>
                  <td>
                    <StepCell flowId={letter.flowId} flowName={flows.name(letter.flowId)} nodeLabel={flows.nodeLabel(letter.flowId, letter.nodeId)} runId={letter.runId} nodeId={letter.nodeId} />
                  </td>
                  <td className="sl-monitor-table__error">
                    <ErrorSummary error={letter.error} />
                  </td>
                  <td>
                    <AttemptMeter attempt={letter.attempts} max={letter.attempts} done />
                  </td>
                  <td title={formatDateTime(letter.createdAt)}>{formatAgo(letter.createdAt, now)}</td>
                  <td className="sl-monitor-table__actions">
                    <button type="button" className="sl-btn sl-btn--sm" data-testid="redrive" disabled={working} onClick={() => redrive.mutate([letter])}>
                      {working && !discard.isPending ? 'Redriving…' : 'Redrive'}
                    </button>
                    {confirming === letter.id ? (
                      <button type="button" className="sl-btn sl-btn--sm sl-btn--danger-solid" data-testid="discard-confirm" disabled={working} onClick={() => discard.mutate(letter)}>
                        Confirm discard
                      </button>
                    ) : (
                      <button type="button" className="sl-btn sl-btn--sm sl-btn--ghost sl-btn--danger" data-testid="discard" disabled={working} onClick={() => setConfirming(letter.id)}>
                        Discard
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {items.length > 0 && (
        <p className="sl-footnote sl-muted sl-small">
          Redrive appends a <code>StepRedriven</code> event to the run's history and schedules the step again; discard removes the letter and leaves the run failed.{' '}
          <Link to="/retries">See scheduled retries →</Link>
        </p>
      )}
      <Toast toast={toast} />
    </div>
  );
}
