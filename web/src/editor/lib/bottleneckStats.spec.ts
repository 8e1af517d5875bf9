import type { RunState, StepState } from '@sluice/contracts';
import { bottleneckStats, percentile } from './bottleneckStats';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function step(nodeId: string, status: StepState['status'], wallMs: number, attempts = 1): StepState {
  return { nodeId, status, attempts, startedAt: at(0), finishedAt: at(wallMs), durationMs: Math.min(wallMs, 5) };
}

function setup(runs: StepState[][]) {
  const states: RunState[] = runs.map((steps, index) => ({
    id: `run-${index}`, flowId: 'flow', flowVersion: 1, eventId: `e-${index}`, status: 'succeeded', payload: {},
    source: 'rest', steps, startedAt: at(0), updatedAt: at(0), lastSeq: 1,
  }));
  return bottleneckStats(states);
}

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('bottleneckStats', () => {
  it('counts steps, failures, retries and duration percentiles per node', () => {
    const report = setup([
      [step('filter', 'succeeded', 2), step('http', 'succeeded', 100)],
      [step('filter', 'succeeded', 4), step('http', 'succeeded', 3000, 3)],
      [step('filter', 'succeeded', 6), step('http', 'dead', 9000, 5)],
      [step('filter', 'succeeded', 8), step('ignore', 'skipped', 0)],
    ]);
    expect(report.runs).toBe(4);
    expect(report.byNode['filter']).toMatchObject({ count: 4, failures: 0, failureRate: 0, retries: 0, p50Ms: 4, p95Ms: 8 });
    expect(report.byNode['http']).toMatchObject({ count: 3, failures: 1, retries: 2 + 4, p50Ms: 3000, p95Ms: 9000 });
    expect(report.byNode['http']?.failureRate).toBeCloseTo(1 / 3);
    expect(report.byNode['ignore']).toBeUndefined();
  });

  it('makes the slowest or most failing node the hottest', () => {
    const report = setup([[step('filter', 'succeeded', 10), step('http', 'succeeded', 1000)]]);
    expect(report.hottest).toBe('http');
    expect(report.byNode['http']?.heat).toBe(1);
    expect(report.byNode['filter']?.heat).toBeCloseTo(0.01);
  });

  it('heats a fast node that always fails', () => {
    const report = setup([[step('filter', 'dead', 1), step('http', 'succeeded', 1000)]]);
    expect(report.byNode['filter']?.heat).toBe(1);
  });

  it('counts a retrying step without a duration yet', () => {
    const report = setup([[{ nodeId: 'http', status: 'retrying', attempts: 2 }]]);
    expect(report.byNode['http']).toMatchObject({ count: 1, retries: 1, p50Ms: null, p95Ms: null });
  });

  it('answers an empty report for no runs', () => {
    expect(setup([])).toEqual({ runs: 0, byNode: {} });
  });
});
