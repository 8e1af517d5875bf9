import type { RetryPolicyInput } from '@sluice/contracts';
import { backoffSchedule, resolveRetryPolicy } from '@sluice/engine/browser';

/** One row of the inspector's retry preview. */
export interface BackoffPreviewRow {
  /** The attempt that runs after the wait. */
  attempt: number;
  /** Jitter-free wait before this attempt, in ms. */
  delayMs: number;
  /** Range the jitter spreads the wait over, in ms (capped like the engine caps it). */
  minMs: number;
  maxMs: number;
  /** Time from the first failure to this attempt, jitter-free, in ms. */
  elapsedMs: number;
}

/** Preview of the retries a node's policy allows (defaults filled in), using the engine's own schedule. */
export function backoffPreview(input?: RetryPolicyInput): BackoffPreviewRow[] {
  const policy = resolveRetryPolicy(input);
  let elapsedMs = 0;
  return backoffSchedule(policy).map(({ attempt, delayMs }) => {
    elapsedMs += delayMs;
    return {
      attempt,
      delayMs,
      minMs: Math.round(Math.max(0, delayMs * (1 - policy.jitter))),
      maxMs: Math.round(Math.min(policy.maxIntervalMs, delayMs * (1 + policy.jitter))),
      elapsedMs,
    };
  });
}
