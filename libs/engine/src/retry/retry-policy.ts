import type { RetryPolicyInput } from '@sluice/contracts';

/** A retry policy with every field filled in. */
export type RetryPolicy = Required<RetryPolicyInput>;

/** SPEC §3 defaults: 5 attempts, 1 s doubling to at most 60 s, ±20 % jitter. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maxIntervalMs: 60_000,
  jitter: 0.2,
});

/** Merges a node's `data.retry` over the defaults; fields that are not numbers are ignored. */
export function resolveRetryPolicy(input?: RetryPolicyInput): RetryPolicy {
  const pick = <K extends keyof RetryPolicy>(key: K): number => {
    const value = input?.[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : DEFAULT_RETRY_POLICY[key];
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
  check('maxAttempts', (n) => Number.isInteger(n) && n >= 1 && n <= 100, 'an integer from 1 to 100');
  check('initialIntervalMs', (n) => n >= 0, 'a non-negative number of ms');
  check('backoffCoefficient', (n) => n >= 1, 'a number ≥ 1');
  check('maxIntervalMs', (n) => n >= 0, 'a non-negative number of ms');
  check('jitter', (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1');
  const initial = policy['initialIntervalMs'];
  const max = policy['maxIntervalMs'];
  if (typeof initial === 'number' && typeof max === 'number' && max < initial) {
    problems.push('retry.maxIntervalMs must not be below retry.initialIntervalMs');
  }
  return problems;
}
