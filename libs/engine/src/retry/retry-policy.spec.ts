import { checkRetryPolicy, DEFAULT_RETRY_POLICY, resolveRetryPolicy } from './retry-policy';

describe('resolveRetryPolicy', () => {
  it('returns the documented defaults without input', () => {
    expect(resolveRetryPolicy()).toEqual({ maxAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 60000, jitter: 0.2 });
    expect(DEFAULT_RETRY_POLICY).toEqual(resolveRetryPolicy({}));
  });

  it('merges given fields over the defaults', () => {
    expect(resolveRetryPolicy({ maxAttempts: 2, jitter: 0 })).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 2, jitter: 0 });
  });

  it('ignores fields that are not finite numbers', () => {
    expect(resolveRetryPolicy({ maxAttempts: Number.NaN, initialIntervalMs: '5' as unknown as number })).toEqual(DEFAULT_RETRY_POLICY);
  });
});

describe('checkRetryPolicy', () => {
  it('accepts an absent or sane policy', () => {
    expect(checkRetryPolicy(undefined)).toEqual([]);
    expect(checkRetryPolicy({ maxAttempts: 3, initialIntervalMs: 0, backoffCoefficient: 1, maxIntervalMs: 10, jitter: 1 })).toEqual([]);
  });

  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
    [{ initialIntervalMs: -1 }, 'retry.initialIntervalMs'],
    [{ backoffCoefficient: 0.5 }, 'retry.backoffCoefficient'],
    [{ maxIntervalMs: 'x' }, 'retry.maxIntervalMs'],
    [{ jitter: 1.5 }, 'retry.jitter'],
    [{ initialIntervalMs: 5000, maxIntervalMs: 1000 }, 'must not be below'],
  ])('rejects %j', (policy, fragment) => {
    expect(checkRetryPolicy(policy).join(' ')).toContain(fragment);
  });

  it('rejects a non-object', () => {
    expect(checkRetryPolicy([1])).toEqual(['retry policy must be an object']);
  });
});

describe('retry bounds', () => {
  it.each([
    [{ maxAttempts: 101 }, 'retry.maxAttempts must be an integer from 1 to 100'],
    [{ initialIntervalMs: 1e16 }, 'retry.initialIntervalMs must be a number of ms from 0 to 86400000 (24 h)'],
    [{ maxIntervalMs: 86_400_001 }, 'retry.maxIntervalMs must be a number of ms from 0 to 86400000 (24 h)'],
    [{ backoffCoefficient: 10.5 }, 'retry.backoffCoefficient must be a number from 1 to 10'],
    [{ jitter: -0.1 }, 'retry.jitter must be a fraction from 0 to 1'],
  ])('refuses %j', (policy, message) => {
    expect(checkRetryPolicy(policy)).toContain(message);
  });

  it('accepts every field at its upper bound', () => {
    expect(checkRetryPolicy({ maxAttempts: 100, initialIntervalMs: 86_400_000, backoffCoefficient: 10, maxIntervalMs: 86_400_000, jitter: 1 })).toEqual([]);
  });

  it('clamps out-of-bound numbers of a graph saved before the bounds, so every due time stays a real date', () => {
    const policy = resolveRetryPolicy({ maxAttempts: 1e9, initialIntervalMs: 1e16, backoffCoefficient: 1e6, maxIntervalMs: 1e16, jitter: 5 });
    expect(policy).toEqual({ maxAttempts: 100, initialIntervalMs: 86_400_000, backoffCoefficient: 10, maxIntervalMs: 86_400_000, jitter: 1 });
    expect(resolveRetryPolicy({ maxAttempts: 0, backoffCoefficient: 0.1, initialIntervalMs: -5 })).toMatchObject({ maxAttempts: 1, backoffCoefficient: 1, initialIntervalMs: 0 });
  });
});
