// The standard flows every benchmark runs, and the trigger body of event `i`.
// No dependencies, so that the trigger driver (driver.mjs), a lean process
// of its own, loads nothing else.
//
//   producer: trigger → filter (event.amount > 100) → transform → publish bench.orders
//   consumer: subscribe bench.orders → http POST to a local sink → end
//
// An event that reaches the end succeeds seven steps: four in the producer
// run (trigger, filter, transform, publish), three in the consumer's.

export const TOPIC = 'bench.orders';
/** StepSucceeded history events of one standard event that ran to its end. */
export const STEPS_PER_EVENT = 7;

const node = (id, type, data = {}, x = 0) => ({ id, type, position: { x, y: 0 }, data });
const edge = (source, target, sourceHandle = null) => ({ id: `${source}-${sourceHandle ?? 'out'}-${target}`, source, target, sourceHandle });

export function producerGraph() {
  return {
    nodes: [
      node('trigger', 'trigger', {}, 0),
      node('significant', 'filter', { condition: 'event.amount > 100' }, 200),
      node('shape', 'transform', { expression: '{ "orderId": event.orderId, "amount": event.amount, "tier": event.amount > 1000 ? "gold" : "standard" }' }, 400),
      node('publish', 'publish', { topic: TOPIC }, 600),
      node('ignore', 'ignore', { reason: 'small' }, 400),
    ],
    edges: [edge('trigger', 'significant'), edge('significant', 'shape', 'yes'), edge('significant', 'ignore', 'no'), edge('shape', 'publish')],
  };
}

export function consumerGraph(sinkUrl) {
  return {
    nodes: [
      node('consume', 'subscribe', { topic: TOPIC }, 0),
      node('process', 'http', { url: sinkUrl, method: 'POST', body: 'event', timeoutMs: 5000, retry: { maxAttempts: 5, initialIntervalMs: 200, backoffCoefficient: 2, maxIntervalMs: 2000, jitter: 0 } }, 200),
      node('done', 'end', {}, 400),
    ],
    edges: [edge('consume', 'process'), edge('process', 'done')],
  };
}

/** The trigger body of event `i`: always past the filter, so every event reaches the consumer. */
export function orderEvent(i) {
  return { orderId: `O-${i}`, amount: 150 + (i % 2000), customer: { id: `C-${i % 97}`, tier: 'retail' }, items: [{ sku: 'A', qty: 1 }] };
}
