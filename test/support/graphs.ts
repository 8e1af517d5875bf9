import type { FlowEdge, FlowGraph, FlowNode, RetryPolicyInput } from '@sluice/contracts';

/** Small builders so test graphs read like the flowchart they draw. */
export function node(id: string, type: string, data: Record<string, unknown> = {}): FlowNode {
  return { id, type, position: { x: 0, y: 0 }, data };
}

export function edge(source: string, target: string, sourceHandle: string | null = null): FlowEdge {
  return { id: `${source}-${sourceHandle ?? 'out'}-${target}`, source, target, sourceHandle };
}

export function graph(nodes: FlowNode[], edges: FlowEdge[]): FlowGraph {
  return { nodes, edges };
}

/** A fast retry policy for tests: delays of 100, 200, 400 … ms without jitter. */
export function fastRetry(maxAttempts: number): RetryPolicyInput {
  return { maxAttempts, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 2000, jitter: 0 };
}

/** trigger → http(url) → end */
export function httpFlow(url: string, retry: RetryPolicyInput, extra: { errorEdge?: boolean } = {}): FlowGraph {
  const nodes = [
    node('start', 'trigger'),
    node('call', 'http', { url, method: 'POST', timeoutMs: 2000, body: 'event', retry }),
    node('done', 'end'),
  ];
  const edges = [edge('start', 'call'), edge('call', 'done')];
  if (extra.errorEdge) {
    nodes.push(node('fallback', 'end'));
    edges.push(edge('call', 'fallback', 'error'));
  }
  return graph(nodes, edges);
}

/** Places nodes left to right (a second row for every node after the fourth), so canvases in browser tests are readable. */
export function laidOut(nodes: FlowNode[]): FlowNode[] {
  return nodes.map((item, index) => ({ ...item, position: { x: (index % 4) * 320, y: Math.floor(index / 4) * 160 } }));
}

/** trigger → filter (amount > 100) → http → end, with ignore on `no`; laid out for readable screenshots. */
export function orderFlow(url: string, retry: RetryPolicyInput): FlowGraph {
  const at = (item: FlowNode, x: number, y: number): FlowNode => ({ ...item, position: { x, y } });
  return graph(
    [
      at(node('start', 'trigger', { label: 'Order placed' }), 0, 60),
      at(node('check', 'filter', { label: 'Is it significant?', condition: 'event.amount > 100' }), 320, 60),
      at(node('call', 'http', { label: 'Notify fulfilment', url, method: 'POST', timeoutMs: 2000, body: 'event', retry }), 640, 0),
      at(node('done', 'end', { label: 'Done' }), 960, 0),
      at(node('skip', 'ignore', { label: 'Ignore small order' }), 640, 170),
    ],
    [edge('start', 'check'), edge('check', 'call', 'yes'), edge('check', 'skip', 'no'), edge('call', 'done')],
  );
}
