import type { FlowLiveDto } from '@sluice/contracts';
import { createLiveStore } from './createLiveStore';

function setup() {
  const store = createLiveStore();
  const dto: FlowLiveDto = {
    flowId: 'f1',
    at: '2026-01-01T00:00:00.000Z',
    windowSec: 10,
    observedSec: 4,
    nodes: [{ nodeId: 'call', type: 'http', throughputPerSec: 1, inFlight: 5, retriesWaiting: 0, waitingTrend: 1 }],
    flow: { runsRunning: 5, runsCapped: false, outboxBacklog: 0, outboxScope: 'flow', outboxCapped: false },
    broker: { kind: 'in-process', queues: [], bindings: [] },
    bottleneck: null,
    limits: { maxRuns: 5000, maxOutboxRows: 5000 },
  };
  return { store, dto };
}

describe('createLiveStore', () => {
  it('keeps answers only while on, and forgets them when turned off', () => {
    const { store, dto } = setup();
    store.getState().received(dto);
    expect(store.getState().overlay).toBeNull();

    store.getState().setOn(true);
    store.getState().received(dto);
    expect(store.getState().overlay?.['call']).toEqual({ throughput: '1/s', inFlight: 5, retriesWaiting: 0, bottleneck: null });

    store.getState().setOn(false);
    expect(store.getState()).toMatchObject({ on: false, live: null, overlay: null });
  });
});
