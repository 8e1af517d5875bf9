import { backoffPreview } from './backoffPreview';

describe('backoffPreview', () => {
  const setup = (policy?: Parameters<typeof backoffPreview>[0]) => backoffPreview(policy);

  it('previews the default policy: attempts 2-5 after 1 s, 2 s, 4 s, 8 s', () => {
    const rows = setup();
    expect(rows.map((row) => [row.attempt, row.delayMs])).toEqual([[2, 1000], [3, 2000], [4, 4000], [5, 8000]]);
    expect(rows.map((row) => row.elapsedMs)).toEqual([1000, 3000, 7000, 15000]);
  });

  it('shows the ±jitter range, capped at the maximum interval', () => {
    const rows = setup({ maxAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 10, maxIntervalMs: 10_000, jitter: 0.5 });
    expect(rows[0]).toMatchObject({ delayMs: 1000, minMs: 500, maxMs: 1500 });
    expect(rows[1]).toMatchObject({ delayMs: 10_000, minMs: 5000, maxMs: 10_000 });
  });

  it('fills missing fields with the defaults and is empty for a single attempt', () => {
    expect(setup({ initialIntervalMs: 500 }).map((row) => row.delayMs)).toEqual([500, 1000, 2000, 4000]);
    expect(setup({ maxAttempts: 1 })).toEqual([]);
  });
});
