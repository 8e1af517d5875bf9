import type { RetryPolicy } from './retry-policy';

/**
 * Longest wait a server's `Retry-After` may impose, in ms (1 hour). The header
 * wins over the policy's `maxIntervalMs` (retrying sooner than the server asked
 * only earns another 429/503), but a hostile or buggy header must not park a
 * step for days.
 */
export const RETRY_AFTER_LIMIT_MS = 3_600_000;

/** Jitter-free delay before the attempt after `failedAttempt`, in ms. */
function baseDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const exponent = Math.max(0, failedAttempt - 1);
  return Math.min(policy.maxIntervalMs, policy.initialIntervalMs * policy.backoffCoefficient ** exponent);
}

/**
 * Delay before retrying after attempt `failedAttempt` (1-based) failed, in ms.
 *
 * `initialIntervalMs × backoffCoefficient^(failedAttempt−1)`, capped at
 * `maxIntervalMs`, then spread by ±`jitter` (drawn from `random`, uniform in
 * [0, 1)) and capped again so the policy maximum is never exceeded. A
 * `retryAfterMs` from the server raises the delay to at least that value,
 * capped at {@link RETRY_AFTER_LIMIT_MS}.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failedAttempt: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const base = baseDelayMs(policy, failedAttempt);
  const spread = policy.jitter * (2 * random() - 1);
  const jittered = Math.round(Math.min(policy.maxIntervalMs, Math.max(0, base * (1 + spread))));
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return jittered;
  return Math.max(jittered, Math.min(Math.ceil(Math.max(0, retryAfterMs)), RETRY_AFTER_LIMIT_MS));
}

/** One row of a retry preview: `attempt` runs `delayMs` after the previous one failed. */
export interface BackoffStep {
  attempt: number;
  delayMs: number;
}

/** Jitter-free preview of every retry the policy allows, for the editor (attempts 2…maxAttempts). */
export function backoffSchedule(policy: RetryPolicy): BackoffStep[] {
  const schedule: BackoffStep[] = [];
  for (let attempt = 2; attempt <= policy.maxAttempts; attempt++) {
    schedule.push({ attempt, delayMs: Math.round(baseDelayMs(policy, attempt - 1)) });
  }
  return schedule;
}
