import type { FlowLiveDto } from '@sluice/contracts';
import { bottleneckSentence, formatFigure, formatRate, liveOverlay } from './liveFigures';

function setup(overrides: Partial<FlowLiveDto> = {}): FlowLiveDto {
  return {
    flowId: 'f1',
    at: '2026-01-01T00:00:00.000Z',
    windowSec: 10,
    observedSec: 10,
    nodes: [
      { nodeId: 'start', type: 'trigger', throughputPerSec: 4, inFlight: 0, retriesWaiting: 0, waitingTrend: 0 },
      { nodeId: 'call', type: 'http', throughputPerSec: 0.25, inFlight: 17, retriesWaiting: 2, waitingTrend: 3.1 },
    ],
    flow: { runsRunning: 19, runsCapped: false, outboxBacklog: 0, outboxScope: 'flow', outboxCapped: false },
    broker: { kind: 'in-process', queues: [], bindings: [] },
    bottleneck: { nodeId: 'call', reason: 'in-flight work grew by 17 in 5 s while 0.3/s finished', grewBy: 17, overSec: 5 },
    limits: { maxRuns: 5000, maxOutboxRows: 5000 },
    ...overrides,
  };
}

describe('formatRate', () => {
  it('rounds from 10/s up, keeps one decimal below, and shows nothing finishing as 0/s', () => {
    expect(formatRate(12.4)).toBe('12/s');
    expect(formatRate(9.96)).toBe('10/s');
    expect(formatRate(2.345)).toBe('2.3/s');
    expect(formatRate(0.04)).toBe('<0.1/s');
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(Number.NaN)).toBe('0/s');
  });
});

describe('formatFigure', () => {
  it('shows a figure the broker did not tell as a dash', () => {
    expect(formatFigure(null)).toBe('—');
    expect(formatFigure(0)).toBe('0');
    expect(formatFigure(42)).toBe('42');
  });
});

describe('liveOverlay', () => {
  it('marks every node with its figures and only the bottleneck with its reason', () => {
    expect(liveOverlay(setup())).toEqual({
      start: { throughput: '4/s', inFlight: 0, retriesWaiting: 0, bottleneck: null },
      call: { throughput: '0.3/s', inFlight: 17, retriesWaiting: 2, bottleneck: 'in-flight work grew by 17 in 5 s while 0.3/s finished' },
    });
  });

  it('names no bottleneck when the answer has none', () => {
    const overlay = liveOverlay(setup({ bottleneck: null }));
    expect(overlay['call']?.bottleneck).toBeNull();
  });
});

describe('bottleneckSentence', () => {
  it('names the bottleneck by its label with the reason, or says there is none', () => {
    const labels: Record<string, string> = { call: 'Notify fulfilment' };
    const labelOf = (id: string): string => labels[id] ?? id;
    expect(bottleneckSentence(setup(), labelOf)).toBe('Notify fulfilment is the bottleneck: in-flight work grew by 17 in 5 s while 0.3/s finished.');
    expect(bottleneckSentence(setup({ bottleneck: null }), labelOf)).toMatch(/^No bottleneck/);
  });
});
