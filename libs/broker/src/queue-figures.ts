import type { BrokerTopology, QueueFigures } from '@sluice/runtime';

/**
 * Longest `describeQueues()` waits for a first reading of the queues, in ms.
 * Past it the figures are null: a request that asks must never hang on a
 * broker that does not answer.
 */
export const DESCRIBE_WAIT_MS = 1000;

/** The topology's queues with every figure unknown. */
export function unknownFigures(topology: BrokerTopology): QueueFigures[] {
  return topology.queues.map((queue) => ({ ...queue, depth: null, inFlight: null, consumers: null, readAt: null }));
}
