import type { RetryPolicyInput } from '@sluice/contracts';

/** A retry policy with every field filled in. */
export type RetryPolicy = Required<RetryPolicyInput>;

/** Defaults (docs/flow-model.md): 5 attempts, 1 s doubling to at most 60 s, ±20 % jitter. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maxIntervalMs: 60_000,
  jitter: 0.2,
});

/**
 * Bounds of each retry field, inclusive. They keep every due time a real
 * date (a delay of 1e16 ms is past the end of JavaScript time) and a step's
 * retries within days, not centuries.
 */
export const RETRY_LIMITS: Readonly<Record<keyof RetryPolicy, { min: number; max: number }>> = Object.freeze({
  maxAttempts: { min: 1, max: 100 },
  /** ms (24 h). */
  initialIntervalMs: { min: 0, max: 86_400_000 },
  backoffCoefficient: { min: 1, max: 10 },
  /** ms (24 h). */
  maxIntervalMs: { min: 0, max: 86_400_000 },
  jitter: { min: 0, max: 1 },
});

/**
 * Merges a node's `data.retry` over the defaults; fields that are not numbers
 * are ignored, and numbers are clamped to {@link RETRY_LIMITS} (validation
 * refuses them, but a graph saved before the limits may still hold them).
 */
export function resolveRetryPolicy(input?: RetryPolicyInput): RetryPolicy {
  const pick = <K extends keyof RetryPolicy>(key: K): number => {
    const value = input?.[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return DEFAULT_RETRY_POLICY[key];
    return Math.min(Math.max(value, RETRY_LIMITS[key].min), RETRY_LIMITS[key].max);
  };
  return {
    maxAttempts: pick('maxAttempts'),
    initialIntervalMs: pick('initialIntervalMs'),
    backoffCoefficient: pick('backoffCoefficient'),
    maxIntervalMs: pick('maxIntervalMs'),
    jitter: pick('jitter'),
  };
}

/**
 * Checks the fields of an untrusted `data.retry` value.
 * @returns one message per problem; empty when the policy is usable.
 */
export function checkRetryPolicy(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['retry policy must be an object'];
  const policy = value as Record<string, unknown>;
  const problems: string[] = [];
  const check = (key: keyof RetryPolicy, ok: (n: number) => boolean, rule: string): void => {
    const field = policy[key];
    if (field === undefined) return;
    if (typeof field !== 'number' || !Number.isFinite(field) || !ok(field)) problems.push(`retry.${key} must be ${rule}`);
  };
  const within = (key: keyof RetryPolicy) => (n: number) => n >= RETRY_LIMITS[key].min && n <= RETRY_LIMITS[key].max;
  const { maxAttempts, initialIntervalMs, backoffCoefficient, maxIntervalMs } = RETRY_LIMITS;
  check('maxAttempts', (n) => Number.isInteger(n) && within('maxAttempts')(n), `an integer from ${maxAttempts.min} to ${maxAttempts.max}`);
  check('initialIntervalMs', within('initialIntervalMs'), `a number of ms from ${initialIntervalMs.min} to ${initialIntervalMs.max} (24 h)`);
  check('backoffCoefficient', within('backoffCoefficient'), `a number from ${backoffCoefficient.min} to ${backoffCoefficient.max}`);
  check('maxIntervalMs', within('maxIntervalMs'), `a number of ms from ${maxIntervalMs.min} to ${maxIntervalMs.max} (24 h)`);
  check('jitter', within('jitter'), 'a fraction from 0 to 1');
  const initial = policy['initialIntervalMs'];
  const max = policy['maxIntervalMs'];
  if (typeof initial === 'number' && typeof max === 'number' && max < initial) {
    problems.push('retry.maxIntervalMs must not be below retry.initialIntervalMs');
  }
  return problems;
}
