import type { FlowGraph } from '@sluice/contracts';
import { withoutPayloadSchemas } from './withoutPayloadSchemas';

function setup(): FlowGraph {
  return {
    nodes: [
      { id: 'start', type: 'trigger', position: { x: 0, y: 0 }, data: { label: 'Order placed', schema: { type: 'object', required: ['orderId'] } } },
      { id: 'check', type: 'filter', position: { x: 1, y: 0 }, data: { condition: 'event.amount > 100' } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'check', sourceHandle: null }],
  };
}

describe('graph checked in the browser', () => {
  it('leaves out trigger schemas, which only the API compiles (the editor CSP forbids eval)', () => {
    const graph = setup();
    const checked = withoutPayloadSchemas(graph);
    expect(checked.nodes[0]?.data).toEqual({ label: 'Order placed' });
    expect(checked.nodes[1]).toBe(graph.nodes[1]);
    expect(checked.edges).toBe(graph.edges);
    expect(graph.nodes[0]?.data['schema']).toBeDefined();
  });
});
