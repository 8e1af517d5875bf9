import type { FlowLiveDto, LiveBindingDto, LiveBottleneckDto, LiveNodeDto, LiveQueueDto, StreamNotice } from '@sluice/contracts';
import type { CompiledFlow, EngineClock } from '@sluice/engine';
import { DomainError } from '../errors/domain-error';
import type { BrokerPort, BrokerTopology } from '../ports/broker.port';
import type { FlowWork } from '../ports/flow-work.port';
import type { StorePort } from '../ports/store.port';
import type { FlowCache } from '../services/flow-cache';
import { StepThroughput, type FlowThroughput } from './step-throughput';
import {
  bottleneckReason, cappedReason, heaviestNode, pickBottleneck, WaitingSeries, waitingTrends, type NodeWaiting, type WaitingTrend,
} from './waiting-series';

/** Bounds and windows of the live figures (docs/live-topology.md). */
export const LIVE_LIMITS = Object.freeze({
  /** Window of throughput, trend and bottleneck, in s. */
  windowSec: 10,
  /** Running runs one answer reads, at most (newest first). */
  maxRuns: 5000,
  /** Outbox rows one answer examines, at most (oldest first). */
  maxOutboxRows: 5000,
  /** Least time between two store reads of one flow, in ms: answers within it share the last read, which is also one sample. */
  sampleEveryMs: 1000,
  /** A flow nobody asked for this long is forgotten, its samples and counts with it, in ms (3 min). */
  forgetAfterMs: 180_000,
  /** Flows followed at once, at most; past it the one asked for least recently is forgotten. */
  maxFlows: 1000,
  /** Longest wait for the broker's queue figures, in ms; past it they are null. */
  brokerWaitMs: 1500,
  /** Least growth over the window, in steps, for a node to be called the bottleneck. */
  minGrowth: 3,
  /** Least waiting work now, in steps, for a node to be called the bottleneck. */
  minWaiting: 3,
  /** Least time the samples must span for a node to be called the bottleneck, in s. */
  minSpanSec: 2,
});

/** What is kept of a flow that people watch. */
interface Watched {
  lastAsked: number;
  series: WaitingSeries;
  /** The last store read, shared by the answers of the next `sampleEveryMs`. */
  read?: { at: number; work: Promise<FlowWork> };
}

/**
 * Answers "where is this flow backing up?" (`GET /api/flows/:id/live`):
 * each node's work in progress and retries waiting (from the store, bounded
 * reads), its throughput (run notices counted in this process), the broker's
 * queues, how events reach the flow, and the node whose waiting work grows.
 *
 * A flow is followed from the first time it is asked for: its notices are
 * counted from then, and each answer at least a second after the last adds a
 * sample of its waiting work. A flow unasked for `forgetAfterMs` is
 * forgotten; with no flow followed, the notices are no longer listened to.
 */
export class LiveTopologyService {
  private readonly throughput = new StepThroughput(LIVE_LIMITS.windowSec);
  private readonly watched = new Map<string, Watched>();
  private unsubscribe: (() => void) | undefined;
  private lastSweep = 0;

  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly broker: BrokerPort,
    private readonly clock: EngineClock,
  ) {}

  /** The flow's live figures; 404 `not_found` for a flow that does not exist (archived flows answer). */
  async live(flowId: string): Promise<FlowLiveDto> {
    const flow = await this.flowOf(flowId);
    const now = this.now();
    const watched = this.watch(flowId, now);
    const [work, queues] = await Promise.all([this.readWork(flowId, watched, now), this.queues()]);
    const rates = this.throughput.rates(flowId, this.now());
    const trends = waitingTrends(watched.series.samples(), LIVE_LIMITS.sampleEveryMs);
    const waiting = new Map<string, NodeWaiting>(work.work.nodes.map((node) => [node.nodeId, node]));
    const nodeIds = [...flow.graph.nodes.map((node) => node.id), ...[...waiting.keys()].filter((nodeId) => flow.node(nodeId) === undefined)];
    const nodes: LiveNodeDto[] = nodeIds.map((nodeId) => {
      const trend = trends?.get(nodeId);
      return {
        nodeId,
        type: flow.node(nodeId)?.type ?? null,
        throughputPerSec: round2(rates?.perNode.get(nodeId) ?? 0),
        inFlight: waiting.get(nodeId)?.inFlight ?? 0,
        retriesWaiting: waiting.get(nodeId)?.retriesWaiting ?? 0,
        waitingTrend: trends === undefined ? null : round2(trend?.perSec ?? 0),
      };
    });
    return {
      flowId,
      at: new Date(work.at).toISOString(),
      windowSec: LIVE_LIMITS.windowSec,
      observedSec: round2(rates?.observedSec ?? 0),
      nodes,
      flow: {
        runsRunning: work.work.runsRunning,
        runsCapped: work.work.runsCapped,
        outboxBacklog: work.work.outboxRows,
        outboxScope: 'flow',
        outboxCapped: work.work.outboxCapped,
      },
      broker: { kind: this.broker.topology?.kind ?? null, queues, bindings: eventBindings(flow, this.broker.topology) },
      bottleneck: bottleneckOf(trends, waiting, work.work, rates),
      limits: { maxRuns: LIVE_LIMITS.maxRuns, maxOutboxRows: LIVE_LIMITS.maxOutboxRows },
    };
  }

  /** Stops listening to notices and forgets every flow. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const flowId of [...this.watched.keys()]) this.forget(flowId);
  }

  /** The flow's latest version, from the cache; an archived flow, which the cache does not hold, from the store. */
  private async flowOf(flowId: string): Promise<CompiledFlow> {
    const latest = await this.flows.latest(flowId);
    if (latest) return latest;
    const record = await this.store.getFlow(flowId);
    const flow = record ? await this.flows.version(record.id, record.version) : undefined;
    if (!flow) throw new DomainError('not_found', `Flow ${flowId} does not exist`);
    return flow;
  }

  /** Follows the flow (forgetting the stale and, past `maxFlows`, the least recently asked) and listens to notices. */
  private watch(flowId: string, now: number): Watched {
    this.sweep(now);
    let watched = this.watched.get(flowId);
    if (watched === undefined) {
      const oldest = this.watched.keys().next();
      if (this.watched.size >= LIVE_LIMITS.maxFlows && !oldest.done) this.forget(oldest.value);
      watched = { lastAsked: now, series: new WaitingSeries(LIVE_LIMITS.windowSec * 1000, LIVE_LIMITS.sampleEveryMs) };
      this.throughput.watch(flowId, now);
    }
    // Re-inserted, so the map's order is the order flows were last asked for.
    this.watched.delete(flowId);
    watched.lastAsked = now;
    this.watched.set(flowId, watched);
    this.unsubscribe ??= this.broker.onNotice((notice) => this.onNotice(notice));
    return watched;
  }

  /** The last store read if it is recent, else a new one, which adds a sample once it lands. */
  private async readWork(flowId: string, watched: Watched, now: number): Promise<{ at: number; work: FlowWork }> {
    let read = watched.read;
    if (read === undefined || now - read.at >= LIVE_LIMITS.sampleEveryMs) {
      const work = this.store.flowWork(flowId, LIVE_LIMITS);
      read = { at: now, work };
      watched.read = read;
      const taken = read;
      work.then(
        (figures) => watched.series.add({ at: taken.at, nodes: new Map(figures.nodes.map((node) => [node.nodeId, node])) }),
        () => {
          if (watched.read === taken) watched.read = undefined;
        },
      );
    }
    return { at: read.at, work: await read.work };
  }

  /** The broker's queue figures, waited for at most `brokerWaitMs`; null figures past it. */
  private async queues(): Promise<LiveQueueDto[]> {
    const topology = this.broker.topology;
    const unknown: LiveQueueDto[] = (topology?.queues ?? []).map((queue) => ({ ...queue, depth: null, inFlight: null, consumers: null, readAt: null }));
    if (this.broker.describeQueues === undefined) return unknown;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<LiveQueueDto[]>((resolve) => {
      timer = setTimeout(() => resolve(unknown), LIVE_LIMITS.brokerWaitMs);
    });
    try {
      return await Promise.race([this.broker.describeQueues().catch(() => unknown), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onNotice(notice: StreamNotice): void {
    const now = this.now();
    this.throughput.record(notice, now);
    this.sweep(now);
  }

  /** Forgets flows unasked for `forgetAfterMs` (looked at most every few seconds); stops listening when none is left. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [flowId, watched] of this.watched) {
      if (now - watched.lastAsked > LIVE_LIMITS.forgetAfterMs) this.forget(flowId);
    }
    if (this.watched.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  private forget(flowId: string): void {
    this.watched.delete(flowId);
    this.throughput.unwatch(flowId);
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

/** Time between two looks for forgotten flows, in ms. */
const SWEEP_EVERY_MS = 5000;

/**
 * The node whose waiting work grows. A read that stopped at `maxRuns`
 * cannot see work grow past it, which is when the flow backs up most: then,
 * failing growth, the node holding the most waiting work among the runs
 * read, with a reason that says so.
 */
function bottleneckOf(
  trends: Map<string, WaitingTrend> | undefined, waiting: ReadonlyMap<string, NodeWaiting>, work: FlowWork, rates: FlowThroughput | undefined,
): LiveBottleneckDto | null {
  const finished = (nodeId: string): number => rates?.perNode.get(nodeId) ?? 0;
  const grown = trends === undefined ? undefined : pickBottleneck(trends.values(), LIVE_LIMITS);
  if (grown !== undefined) {
    return { nodeId: grown.nodeId, reason: bottleneckReason(grown, finished(grown.nodeId)), grewBy: round2(grown.grewBy), overSec: round2(grown.overSec) };
  }
  const heaviest = work.runsCapped ? heaviestNode(waiting, LIVE_LIMITS.minWaiting) : undefined;
  if (heaviest === undefined) return null;
  const [nodeId, figures] = heaviest;
  const trend = trends?.get(nodeId);
  return {
    nodeId, reason: cappedReason(figures, work.runsRunning, finished(nodeId)), grewBy: round2(trend?.grewBy ?? 0), overSec: round2(trend?.overSec ?? 0),
  };
}

/**
 * How events reach the flow: for a subscribe flow, the ingest queue's
 * binding on the events exchange or topic, then the flow's own pattern; a
 * flow triggered over REST has none.
 */
export function eventBindings(flow: CompiledFlow, topology: BrokerTopology | undefined): LiveBindingDto[] {
  const pattern = flow.entry.data['topic'];
  if (flow.entry.type !== 'subscribe' || typeof pattern !== 'string') return [];
  const subscribe: LiveBindingDto = { source: topology?.eventsSource ?? null, pattern, reaches: 'subscribe', target: flow.entry.id };
  if (topology === undefined) return [subscribe];
  const { queue, pattern: ingestPattern, filterPolicy } = topology.ingest;
  return [
    { source: topology.eventsSource, pattern: ingestPattern, reaches: 'ingest', target: queue, ...(filterPolicy === undefined ? {} : { filterPolicy }) },
    subscribe,
  ];
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
