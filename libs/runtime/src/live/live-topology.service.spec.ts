import type { FlowGraph, StreamNotice } from '@sluice/contracts';
import type { EngineClock } from '@sluice/engine';
import { DomainError } from '../errors/domain-error';
import type { BrokerPort, BrokerTopology, QueueFigures } from '../ports/broker.port';
import type { FlowWork } from '../ports/flow-work.port';
import type { FlowRecord, StorePort } from '../ports/store.port';
import { FlowCache } from '../services/flow-cache';
import { LIVE_LIMITS, LiveTopologyService } from './live-topology.service';

const T0 = 1_700_000_000_000;

const node = (id: string, type: string, data: Record<string, unknown> = {}) => ({ id, type, position: { x: 0, y: 0 }, data });
const TRIGGERED: FlowGraph = {
  nodes: [node('start', 'trigger'), node('call', 'http', { url: 'http://127.0.0.1:1/x', method: 'POST' }), node('done', 'end')],
  edges: [{ id: 'e1', source: 'start', target: 'call' }, { id: 'e2', source: 'call', target: 'done' }],
};
const SUBSCRIBED: FlowGraph = {
  nodes: [node('on', 'subscribe', { topic: 'orders.*' }), node('done', 'end')],
  edges: [{ id: 'e1', source: 'on', target: 'done' }],
};

const TOPOLOGY: BrokerTopology = {
  kind: 'sqs',
  queues: [{ name: 'ns-sluice-steps', role: 'steps' }, { name: 'ns-sluice-ingest', role: 'ingest' }],
  eventsSource: 'ns-sluice-events',
  ingest: { queue: 'ns-sluice-ingest', pattern: '#', filterPolicy: '{"x":[{"exists":false}]}' },
};

/**
 * The service over a store of three flows (`live`, `archived`, `sub`) whose
 * work the test sets, a broker whose notices the test sends, and a clock it moves.
 */
function setup(options: { describeQueues?: () => Promise<QueueFigures[]> } = {}) {
  let now = T0;
  const clock: EngineClock = { now: () => new Date(now), random: () => 0.5, newId: () => 'id' };
  const record = (id: string, graph: FlowGraph, archived = false): FlowRecord =>
    ({ id, name: id, description: null, version: 1, graph, archived, createdAt: '', updatedAt: '' });
  const flows = new Map([['live', record('live', TRIGGERED)], ['archived', record('archived', TRIGGERED, true)], ['sub', record('sub', SUBSCRIBED)]]);
  let work: FlowWork = { runsRunning: 0, runsCapped: false, nodes: [], outboxRows: 0, outboxCapped: false };
  const reads: string[] = [];
  const store = {
    async getFlow(id: string) {
      return flows.get(id) ?? (id.startsWith('other-') ? record(id, TRIGGERED) : undefined);
    },
    async flowWork(flowId: string) {
      reads.push(flowId);
      return work;
    },
  } as unknown as StorePort;
  const listeners = new Set<(notice: StreamNotice) => void>();
  const broker = {
    topology: TOPOLOGY,
    ...(options.describeQueues ? { describeQueues: options.describeQueues } : {}),
    onNotice(listener: (notice: StreamNotice) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as BrokerPort;
  const service = new LiveTopologyService(store, new FlowCache(store, 0), broker, clock);
  return {
    service,
    reads,
    listeners,
    setWork: (next: Partial<FlowWork>) => (work = { ...work, ...next }),
    advance: (ms: number) => (now += ms),
    notify: (flowId: string, nodeId: string) => {
      const event = { runId: 'r', seq: 2, type: 'StepSucceeded', nodeId, at: '', data: { attempt: 1, output: null, handle: null, durationMs: 1 } } as const;
      for (const listener of listeners) listener({ kind: 'run.changed', runId: 'r', flowId, flowVersion: 1, status: 'running', events: [event] });
    },
  };
}

describe('LiveTopologyService', () => {
  it('answers every node of the flow with zero figures, and no trend or bottleneck yet, for a flow with nothing going on', async () => {
    const { service } = setup();
    const live = await service.live('live');
    expect(live.nodes).toEqual(['start', 'call', 'done'].map((nodeId, index) => ({
      nodeId, type: ['trigger', 'http', 'end'][index], throughputPerSec: 0, inFlight: 0, retriesWaiting: 0, waitingTrend: null,
    })));
    expect(live.bottleneck).toBeNull();
    expect(live.flow).toEqual({ runsRunning: 0, runsCapped: false, outboxBacklog: 0, outboxScope: 'flow', outboxCapped: false });
    expect(live.broker.bindings).toEqual([]);
  });

  it('refuses a flow that does not exist with not_found, and answers an archived one', async () => {
    const { service } = setup();
    await expect(service.live('nope')).rejects.toEqual(expect.objectContaining<Partial<DomainError>>({ code: 'not_found' }));
    await expect(service.live('archived')).resolves.toEqual(expect.objectContaining({ flowId: 'archived' }));
  });

  it('reads the store at most once a second per flow, each read one sample', async () => {
    const { service, reads, advance } = setup();
    await service.live('live');
    advance(400);
    await service.live('live');
    expect(reads).toHaveLength(1);
    advance(600);
    await service.live('live');
    expect(reads).toHaveLength(2);
  });

  it('names the node whose waiting work grows, with its trend and what finished', async () => {
    const { service, setWork, advance, notify } = setup();
    for (let sec = 0; sec <= 4; sec++) {
      setWork({ runsRunning: 5 * sec, nodes: [{ nodeId: 'call', inFlight: 5 * sec, retriesWaiting: 0 }, { nodeId: 'done', inFlight: 1, retriesWaiting: 0 }] });
      await service.live('live');
      notify('live', 'call');
      if (sec < 4) advance(1000);
    }
    const live = await service.live('live');
    expect(live.bottleneck).toEqual({ nodeId: 'call', reason: 'in-flight work grew by 20 in 4 s while 1.3/s finished', grewBy: 20, overSec: 4 });
    const call = live.nodes.find((entry) => entry.nodeId === 'call');
    expect(call).toEqual(expect.objectContaining({ inFlight: 20, waitingTrend: 5 }));
    expect(call?.throughputPerSec).toBeCloseTo(5 / 4, 1);
    expect(live.nodes.find((entry) => entry.nodeId === 'done')?.waitingTrend).toBe(0);
  });

  it('names the node holding the most work when the read stopped at its bound, where growth cannot be seen', async () => {
    const { service, setWork, advance } = setup();
    setWork({ runsRunning: LIVE_LIMITS.maxRuns, runsCapped: true, nodes: [{ nodeId: 'call', inFlight: 4000, retriesWaiting: 0 }, { nodeId: 'done', inFlight: 1000, retriesWaiting: 0 }] });
    for (let sec = 0; sec < 3; sec++) {
      expect((await service.live('live')).bottleneck).toEqual({
        nodeId: 'call', reason: `4000 steps wait here in the newest ${LIVE_LIMITS.maxRuns} running runs, and more runs are running, while 0/s finished`,
        grewBy: 0, overSec: sec,
      });
      advance(1000);
    }
    setWork({ runsRunning: 10, runsCapped: false, nodes: [{ nodeId: 'call', inFlight: 10, retriesWaiting: 0 }] });
    expect((await service.live('live')).bottleneck).toBeNull();
  });

  it('lists a node only an older version has, with no type', async () => {
    const { service, setWork } = setup();
    setWork({ nodes: [{ nodeId: 'gone', inFlight: 2, retriesWaiting: 1 }] });
    const live = await service.live('live');
    expect(live.nodes.at(-1)).toEqual({ nodeId: 'gone', type: null, throughputPerSec: 0, inFlight: 2, retriesWaiting: 1, waitingTrend: null });
  });

  it('says how events reach a subscribe flow: the ingest binding with its filter policy, then the flow\'s pattern', async () => {
    const { service } = setup();
    const live = await service.live('sub');
    expect(live.broker.kind).toBe('sqs');
    expect(live.broker.bindings).toEqual([
      { source: 'ns-sluice-events', pattern: '#', reaches: 'ingest', target: 'ns-sluice-ingest', filterPolicy: TOPOLOGY.ingest.filterPolicy },
      { source: 'ns-sluice-events', pattern: 'orders.*', reaches: 'subscribe', target: 'on' },
    ]);
  });

  it('answers null queue figures when the broker does not answer in time', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const { service } = setup({ describeQueues: () => new Promise<QueueFigures[]>(() => undefined) });
      const answer = service.live('live');
      await jest.advanceTimersByTimeAsync(LIVE_LIMITS.brokerWaitMs);
      const live = await answer;
      expect(live.broker.queues).toEqual(TOPOLOGY.queues.map((queue) => ({ ...queue, depth: null, inFlight: null, consumers: null, readAt: null })));
    } finally {
      jest.useRealTimers();
    }
  });

  it('forgets a flow unasked for a few minutes, and stops listening to notices once none is followed', async () => {
    const { service, listeners, advance, notify } = setup();
    await service.live('live');
    expect(listeners.size).toBe(1);
    advance(LIVE_LIMITS.forgetAfterMs + 1);
    notify('live', 'call');
    expect(listeners.size).toBe(0);

    const again = await service.live('live');
    expect(listeners.size).toBe(1);
    expect(again.observedSec).toBe(1);
    expect(again.nodes.every((entry) => entry.waitingTrend === null)).toBe(true);
  });

  it('follows at most maxFlows flows, forgetting the one asked for least recently', async () => {
    const { service, advance, notify } = setup();
    await service.live('live');
    notify('live', 'call');
    expect((await service.live('live')).nodes.find((entry) => entry.nodeId === 'call')?.throughputPerSec).toBe(1);

    for (let n = 0; n < LIVE_LIMITS.maxFlows; n++) await service.live(`other-${n}`);
    notify('live', 'call');
    advance(1000);
    expect((await service.live('live')).nodes.find((entry) => entry.nodeId === 'call')?.throughputPerSec).toBe(0);
  });

  it('stops listening when stopped', async () => {
    const { service, listeners } = setup();
    await service.live('live');
    service.stop();
    expect(listeners.size).toBe(0);
  });
});
