import type { FlowGraph } from '@sluice/contracts';

/** The flowchart Sluice was born from: significant orders are published, the rest ignored. */
export function ordersFlow(): { name: string; description: string; graph: FlowGraph } {
  return {
    name: 'orders',
    description: 'Producer: orders over 100 are significant and published to orders.significant; the rest are ignored.',
    graph: {
      nodes: [
        { id: 'trigger', type: 'trigger', position: { x: 0, y: 120 }, data: { label: 'Order placed' } },
        { id: 'significant', type: 'filter', position: { x: 260, y: 120 }, data: { label: 'Is it significant?', condition: 'event.amount > 100' } },
        { id: 'publish', type: 'publish', position: { x: 540, y: 40 }, data: { label: 'Publish event', topic: 'orders.significant' } },
        { id: 'ignore', type: 'ignore', position: { x: 540, y: 220 }, data: { label: 'Ignore event', reason: 'amount is 100 or less' } },
      ],
      edges: [
        { id: 'e-trigger-significant', source: 'trigger', target: 'significant', sourceHandle: null },
        { id: 'e-significant-publish', source: 'significant', target: 'publish', sourceHandle: 'yes' },
        { id: 'e-significant-ignore', source: 'significant', target: 'ignore', sourceHandle: 'no' },
      ],
    },
  };
}

/** Consumer: processes every order event through a flaky endpoint, retrying with backoff. */
export function fulfilmentFlow(demoUrl: string): { name: string; description: string; graph: FlowGraph } {
  return {
    name: 'fulfilment',
    description: 'Consumer: subscribes to orders.* and calls a demo endpoint that fails about 30% of the time, so retries show.',
    graph: {
      nodes: [
        { id: 'consume', type: 'subscribe', position: { x: 0, y: 80 }, data: { label: 'Consume event', topic: 'orders.*' } },
        {
          id: 'process', type: 'http', position: { x: 280, y: 80 },
          data: {
            label: 'Process event', url: demoUrl, method: 'POST', body: 'event', timeoutMs: 5000,
            retry: { maxAttempts: 5, initialIntervalMs: 500, backoffCoefficient: 2, maxIntervalMs: 10000, jitter: 0.2 },
          },
        },
        { id: 'done', type: 'end', position: { x: 560, y: 80 }, data: { label: 'Done' } },
      ],
      edges: [
        { id: 'e-consume-process', source: 'consume', target: 'process', sourceHandle: null },
        { id: 'e-process-done', source: 'process', target: 'done', sourceHandle: null },
      ],
    },
  };
}
