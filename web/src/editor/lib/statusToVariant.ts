import type { StepStatus } from '@sluice/contracts';

/** What a node shows: its step status, `ignored` for an ignore node that ran, `idle` when the run has no step for it. */
export type DisplayStatus = StepStatus | 'ignored' | 'idle';

/** Visual treatment of a status; each tone maps to one colour family in the stylesheet. */
export interface StatusVariant {
  tone: 'idle' | 'pending' | 'running' | 'retrying' | 'succeeded' | 'caught' | 'dead' | 'muted';
  label: string;
  /** True while the step is still in play (animated ring, animated edge). */
  live: boolean;
}

/** Maps a node's display status to its tone and label. Pure; the stylesheet owns the colours. */
export function statusToVariant(status: DisplayStatus): StatusVariant {
  switch (status) {
    case 'idle':
      return { tone: 'idle', label: 'Not run', live: false };
    case 'scheduled':
      return { tone: 'pending', label: 'Queued', live: true };
    case 'running':
      return { tone: 'running', label: 'Running', live: true };
    case 'retrying':
      return { tone: 'retrying', label: 'Retrying', live: true };
    case 'succeeded':
      return { tone: 'succeeded', label: 'Succeeded', live: false };
    case 'failed':
      return { tone: 'caught', label: 'Failed · handled', live: false };
    case 'dead':
      return { tone: 'dead', label: 'Dead', live: false };
    case 'skipped':
      return { tone: 'muted', label: 'Skipped', live: false };
    case 'ignored':
      return { tone: 'muted', label: 'Ignored', live: false };
    default:
      return assertNever(status);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unknown status ${String(value)}`);
}
