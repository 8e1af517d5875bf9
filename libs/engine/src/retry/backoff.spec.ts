import { backoffSchedule, RETRY_AFTER_LIMIT_MS, retryDelayMs } from './backoff';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';

describe('retryDelayMs', () => {
  const setup = (overrides: Partial<RetryPolicy> = {}) => {
    const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
    return { policy, delay: (attempt: number, random = 0.5, retryAfterMs?: number) => retryDelayMs(policy, attempt, () => random, retryAfterMs) };
  };

  it('grows exponentially from the initial interval (random 0.5 = no jitter)', () => {
    const { delay } = setup();
    expect([1, 2, 3, 4].map((attempt) => delay(attempt))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps the delay at maxIntervalMs', () => {
    const { delay } = setup({ maxIntervalMs: 5000 });
    expect(delay(10)).toBe(5000);
    expect(delay(10, 0.999)).toBe(5000);
  });

  it('spreads by at most ±jitter', () => {
    const { delay } = setup({ jitter: 0.2 });
    expect(delay(2, 0)).toBe(1600);
    expect(delay(2, 0.999999)).toBe(2400);
    for (let r = 0; r < 1; r += 0.05) {
      expect(delay(3, r)).toBeGreaterThanOrEqual(3200);
      expect(delay(3, r)).toBeLessThanOrEqual(4800);
    }
  });

  it('never exceeds the cap even with upward jitter', () => {
    const { delay } = setup({ maxIntervalMs: 3000, jitter: 0.5 });
    expect(delay(3, 0.99)).toBe(3000);
  });

  it('honours Retry-After when it asks for longer than the backoff', () => {
    const { delay } = setup();
    expect(delay(1, 0.5, 30_000)).toBe(30_000);
    expect(delay(4, 0.5, 100)).toBe(8000);
  });

  it('lets Retry-After exceed maxIntervalMs but not the one-hour limit', () => {
    const { delay } = setup({ maxIntervalMs: 60_000 });
    expect(delay(1, 0.5, 120_000)).toBe(120_000);
    expect(delay(1, 0.5, 86_400_000)).toBe(RETRY_AFTER_LIMIT_MS);
  });
});

describe('backoffSchedule', () => {
  it('lists each retry attempt with its jitter-free delay', () => {
    expect(backoffSchedule(DEFAULT_RETRY_POLICY)).toEqual([
      { attempt: 2, delayMs: 1000 },
      { attempt: 3, delayMs: 2000 },
      { attempt: 4, delayMs: 4000 },
      { attempt: 5, delayMs: 8000 },
    ]);
  });

  it('respects the cap and is empty for a single attempt', () => {
    const capped = backoffSchedule({ ...DEFAULT_RETRY_POLICY, maxAttempts: 4, initialIntervalMs: 40_000 });
    expect(capped.map((step) => step.delayMs)).toEqual([40_000, 60_000, 60_000]);
    expect(backoffSchedule({ ...DEFAULT_RETRY_POLICY, maxAttempts: 1 })).toEqual([]);
  });
});
