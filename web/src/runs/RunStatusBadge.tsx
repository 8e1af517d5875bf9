import type { RunStatus } from '@sluice/contracts';

const LABELS: Record<RunStatus, string> = { queued: 'Queued', running: 'Running', succeeded: 'Succeeded', failed: 'Failed', ignored: 'Ignored' };

/** A run's status as a coloured badge with a dot that pulses while the run is in play. */
export function RunStatusBadge({ status, testId }: { status: RunStatus; testId?: string }) {
  return (
    <span className={`sl-badge sl-run-badge run-${status}`} data-testid={testId} data-status={status}>
      <span className="sl-status-dot" />
      {LABELS[status]}
    </span>
  );
}

/** The label of a run status. */
export function runStatusLabel(status: RunStatus): string {
  return LABELS[status];
}
