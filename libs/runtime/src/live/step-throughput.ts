import type { StreamNotice } from '@sluice/contracts';

/** One second of a flow's finished steps, by node. */
interface Slot {
  /** The epoch second the slot counts; a slot of an older second is stale and starts again from zero. */
  second: number;
  counts: Map<string, number>;
}

interface FlowCounts {
  /** When this process began counting the flow (epoch ms). */
  since: number;
  /** A ring of `windowSec` slots, indexed by epoch second modulo its length. */
  slots: Slot[];
}

/** What the throughput of a flow's nodes is, over the window. */
export interface FlowThroughput {
  /** Finished steps per second, by node; nodes with none are absent. */
  perNode: Map<string, number>;
  /** Seconds of the window the counts cover: less than the window for a flow counted only since lately. */
  observedSec: number;
}

/**
 * Steps finished (succeeded or failed) per flow and node, over a sliding
 * window of whole seconds, counted from the run notices every commit
 * broadcasts to every API process (BrokerPort.onNotice). So it costs no read
 * of the history, and it sees the steps every process finished; but it is
 * best effort as notices are: one lost or delivered twice is missed or
 * counted twice. Only flows being watched are counted, so memory follows
 * what people look at: `windowSec` slots per flow, each holding at most
 * `maxNodesPerFlow` nodes.
 */
export class StepThroughput {
  private readonly flows = new Map<string, FlowCounts>();

  constructor(
    /** Length of the window, in s. */
    private readonly windowSec: number,
    /** Nodes counted per slot, at most (a flow has at most 500 in one version). */
    private readonly maxNodesPerFlow = 1000,
  ) {}

  /** Starts counting the flow's notices, unless it is counted already. */
  watch(flowId: string, nowMs: number): void {
    if (this.flows.has(flowId)) return;
    this.flows.set(flowId, { since: nowMs, slots: Array.from({ length: this.windowSec }, () => ({ second: -1, counts: new Map() })) });
  }

  /** Stops counting the flow and forgets its counts. */
  unwatch(flowId: string): void {
    this.flows.delete(flowId);
  }

  /** Flows counted now. */
  get watched(): number {
    return this.flows.size;
  }

  /** Counts the steps a notice says finished, if its flow is watched. */
  record(notice: StreamNotice, nowMs: number): void {
    const flow = this.flows.get(notice.flowId);
    if (flow === undefined) return;
    const second = Math.floor(nowMs / 1000);
    const slot = flow.slots[second % this.windowSec];
    if (slot === undefined) return;
    if (slot.second !== second) {
      slot.second = second;
      slot.counts.clear();
    }
    for (const event of notice.events) {
      if ((event.type !== 'StepSucceeded' && event.type !== 'StepFailed') || event.nodeId === undefined) continue;
      const count = slot.counts.get(event.nodeId);
      if (count === undefined && slot.counts.size >= this.maxNodesPerFlow) continue;
      slot.counts.set(event.nodeId, (count ?? 0) + 1);
    }
  }

  /**
   * Finished steps per second by node over the window: the current second
   * so far and the `windowSec - 1` before it, or the time since counting
   * began when that is shorter (never less than 1 s, so a first step is not
   * read as a burst). Undefined for a flow not watched.
   */
  rates(flowId: string, nowMs: number): FlowThroughput | undefined {
    const flow = this.flows.get(flowId);
    if (flow === undefined) return undefined;
    const second = Math.floor(nowMs / 1000);
    const totals = new Map<string, number>();
    for (const slot of flow.slots) {
      if (slot.second <= second - this.windowSec || slot.second > second) continue;
      for (const [nodeId, count] of slot.counts) totals.set(nodeId, (totals.get(nodeId) ?? 0) + count);
    }
    const windowMs = (this.windowSec - 1) * 1000 + (nowMs - second * 1000);
    const observedSec = Math.max(1, Math.min(windowMs, nowMs - flow.since) / 1000);
    const perNode = new Map<string, number>();
    for (const [nodeId, total] of totals) perNode.set(nodeId, total / observedSec);
    return { perNode, observedSec };
  }
}
