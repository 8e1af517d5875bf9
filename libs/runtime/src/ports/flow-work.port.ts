/**
 * What the store tells of a flow's work in progress, for its live figures
 * (docs/live-topology.md). Every read is bounded: a figure that reached its
 * bound says so.
 */

/** Bounds of one `StorePort.flowWork` read. */
export interface FlowWorkLimits {
  /** Running runs whose steps and timers are read, at most (newest first). */
  maxRuns: number;
  /** Outbox rows examined for the flow's messages, at most (oldest first). */
  maxOutboxRows: number;
}

/** One node's work in the running runs read. */
export interface NodeWork {
  nodeId: string;
  /** Steps of the node scheduled or running, not finished. */
  inFlight: number;
  /** Retries of the node waiting in `timers`. */
  retriesWaiting: number;
}

export interface FlowWork {
  /** Running runs of the flow, counted up to `maxRuns`. */
  runsRunning: number;
  /** True when the flow has more running runs than `maxRuns`: the node figures count the newest `maxRuns` only. */
  runsCapped: boolean;
  /** Nodes with work in those runs; a node with none is absent. */
  nodes: NodeWork[];
  /** Step messages of the flow's runs among the outbox rows examined. */
  outboxRows: number;
  /** True when the outbox held more rows than `maxOutboxRows`: `outboxRows` counts among the oldest of them only. */
  outboxCapped: boolean;
}
