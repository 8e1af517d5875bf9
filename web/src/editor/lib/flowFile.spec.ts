import { parseFlowFile, toFlowFile } from './flowFile';

describe('flow file import/export', () => {
  const graph = { nodes: [{ id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: {} }], edges: [] };
  const setup = (content: unknown) => parseFlowFile(typeof content === 'string' ? content : JSON.stringify(content));

  it('reads back what export writes', () => {
    expect(setup(toFlowFile('orders', null, graph))).toEqual({ ok: true, graph, name: 'orders' });
  });

  it('accepts a bare graph', () => {
    expect(setup(graph)).toEqual({ ok: true, graph });
  });

  it('rejects text that is not a flow', () => {
    expect(setup('{nope')).toMatchObject({ ok: false });
    expect(setup({ nodes: 'x', edges: [] })).toMatchObject({ ok: false, error: expect.stringContaining('arrays') });
    expect(setup({ nodes: [{}], edges: [] })).toMatchObject({ ok: false, error: expect.stringContaining('id') });
  });
});
