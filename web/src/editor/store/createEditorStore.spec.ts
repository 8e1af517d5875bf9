import type { FlowDto } from '@sluice/contracts';
import { createEditorStore, toFlowGraph } from './createEditorStore';

function setup(options: { readOnly?: boolean } = {}) {
  const flow: FlowDto = {
    id: 'flow-1', name: 'orders', description: null, version: 3, archived: false, createdAt: '', updatedAt: '',
    graph: { nodes: [{ id: 'trigger', type: 'trigger', position: { x: 0, y: 0 }, data: { label: 'Order placed' } }], edges: [] },
  };
  const store = createEditorStore(flow, options);
  const graph = () => toFlowGraph(store.getState().nodes, store.getState().edges);
  return { store, actions: store.getState(), graph };
}

describe('editor store', () => {
  it('adds a node with its type defaults, a unique id, and selects it', () => {
    const { store, actions } = setup();
    const first = actions.addNode('http', { x: 100, y: 50 });
    const second = actions.addNode('http', { x: 100, y: 200 });
    expect([first, second]).toEqual(['http', 'http-2']);
    const node = store.getState().nodes.find((candidate) => candidate.id === 'http');
    expect(node).toMatchObject({ type: 'http', position: { x: 100, y: 50 }, data: { method: 'POST', timeoutMs: 10000 } });
    expect(store.getState().nodes.filter((candidate) => candidate.selected).map((candidate) => candidate.id)).toEqual(['http-2']);
  });

  it('connects handles, keeping the handle id, and refuses self-loops, duplicates and edges into the entry', () => {
    const { actions, graph } = setup();
    actions.addNode('filter', { x: 0, y: 0 });
    actions.addNode('ignore', { x: 0, y: 0 });
    actions.onConnect({ source: 'trigger', target: 'filter', sourceHandle: null, targetHandle: null });
    actions.onConnect({ source: 'filter', target: 'ignore', sourceHandle: 'no', targetHandle: null });
    actions.onConnect({ source: 'filter', target: 'ignore', sourceHandle: 'no', targetHandle: null });
    actions.onConnect({ source: 'filter', target: 'filter', sourceHandle: 'yes', targetHandle: null });
    actions.onConnect({ source: 'filter', target: 'trigger', sourceHandle: 'yes', targetHandle: null });
    expect(graph().edges).toEqual([
      { id: 'e-trigger-out-filter', source: 'trigger', target: 'filter', sourceHandle: null },
      { id: 'e-filter-no-ignore', source: 'filter', target: 'ignore', sourceHandle: 'no' },
    ]);
  });

  it('deletes a node with its edges, through the action and through React Flow remove changes', () => {
    const { actions, graph } = setup();
    actions.addNode('end', { x: 0, y: 0 });
    actions.addNode('ignore', { x: 0, y: 0 });
    actions.onConnect({ source: 'trigger', target: 'end', sourceHandle: null, targetHandle: null });
    actions.deleteNode('end');
    expect(graph().nodes.map((node) => node.id)).toEqual(['trigger', 'ignore']);
    expect(graph().edges).toEqual([]);
    actions.onNodesChange([{ type: 'remove', id: 'ignore' }]);
    expect(graph().nodes.map((node) => node.id)).toEqual(['trigger']);
  });

  it('deletes the selection', () => {
    const { actions, graph } = setup();
    actions.addNode('end', { x: 0, y: 0 });
    actions.onConnect({ source: 'trigger', target: 'end', sourceHandle: null, targetHandle: null });
    actions.selectNode('end');
    actions.deleteSelection();
    expect(graph()).toEqual({ nodes: [expect.objectContaining({ id: 'trigger' })], edges: [] });
  });

  it('undoes and redoes each edit, and a new edit clears the redo stack', () => {
    const { store, actions, graph } = setup();
    actions.addNode('end', { x: 0, y: 0 });
    actions.onConnect({ source: 'trigger', target: 'end', sourceHandle: null, targetHandle: null });
    actions.undo();
    expect(graph().edges).toEqual([]);
    actions.undo();
    expect(graph().nodes.map((node) => node.id)).toEqual(['trigger']);
    actions.redo();
    actions.redo();
    expect(graph().edges).toHaveLength(1);
    actions.undo();
    actions.addNode('ignore', { x: 0, y: 0 });
    expect(store.getState().future).toEqual([]);
    actions.redo();
    expect(graph().edges).toEqual([]);
  });

  it('merges a burst of typing into one field into one undo step', () => {
    const { actions, graph } = setup();
    for (const label of ['O', 'Or', 'Ord']) actions.updateNodeData('trigger', { label });
    expect(graph().nodes[0]?.data).toEqual({ label: 'Ord' });
    actions.undo();
    expect(graph().nodes[0]?.data).toEqual({ label: 'Order placed' });
  });

  it('removes a data key set to undefined', () => {
    const { actions, graph } = setup();
    actions.updateNodeData('trigger', { label: undefined });
    expect(graph().nodes[0]?.data).toEqual({});
  });

  it('takes one undo step per drag, not per mouse move', () => {
    const { actions, graph } = setup();
    for (const x of [10, 20, 30]) actions.onNodesChange([{ type: 'position', id: 'trigger', position: { x, y: 0 }, dragging: true }]);
    actions.onNodesChange([{ type: 'position', id: 'trigger', position: { x: 30, y: 0 }, dragging: false }]);
    expect(graph().nodes[0]?.position).toEqual({ x: 30, y: 0 });
    actions.undo();
    expect(graph().nodes[0]?.position).toEqual({ x: 0, y: 0 });
  });

  it('refuses every edit on a read-only version but still lets nodes be selected', () => {
    const { store, actions, graph } = setup({ readOnly: true });
    const before = graph();
    actions.addNode('end', { x: 0, y: 0 });
    actions.updateNodeData('trigger', { label: 'x' });
    actions.onNodesChange([{ type: 'remove', id: 'trigger' }]);
    actions.deleteNode('trigger');
    expect(graph()).toEqual(before);
    actions.onNodesChange([{ type: 'select', id: 'trigger', selected: true }]);
    expect(store.getState().nodes[0]?.selected).toBe(true);
  });

  it('groups validation errors by node, edge and neither, and tracks dirtiness against the last save', () => {
    const { store, actions } = setup();
    actions.setValidation({ status: 'invalid', revision: 0, errors: [{ nodeId: 'trigger', message: 'a' }, { edgeId: 'e1', message: 'b' }, { message: 'c' }], warnings: [] });
    expect(store.getState().validation).toMatchObject({ byNode: { trigger: ['a'] }, byEdge: { e1: ['b'] }, general: ['c'] });
    actions.addNode('end', { x: 0, y: 0 });
    expect(store.getState().revision).not.toBe(store.getState().savedRevision);
    actions.markSaved({ ...({} as FlowDto), id: 'flow-1', name: 'orders', version: 4 });
    expect(store.getState()).toMatchObject({ version: 4, latestVersion: 4 });
    expect(store.getState().revision).toBe(store.getState().savedRevision);
  });

  it('marks the errors shown stale while a re-validation is in flight, and fresh again with the answer', () => {
    const { store, actions } = setup();
    const errors = [{ nodeId: 'trigger', message: 'a' }];
    actions.setValidation({ status: 'invalid', revision: 0, errors, warnings: [] });
    expect(store.getState().validation.stale).toBe(false);
    const byNode = store.getState().validation.byNode;
    actions.setValidation({ status: 'checking', revision: 1, errors, warnings: [] });
    expect(store.getState().validation).toMatchObject({ status: 'checking', stale: true, byNode: { trigger: ['a'] } });
    // Same errors carried over: per-node entries keep their references, so nodes do not re-render for the flag.
    expect(store.getState().validation.byNode).toBe(byNode);
    actions.setValidation({ status: 'valid', revision: 1, errors: [], warnings: [] });
    expect(store.getState().validation).toMatchObject({ stale: false, byNode: {} });
    actions.setValidation({ status: 'checking', revision: 2, errors: [], warnings: [] });
    expect(store.getState().validation.stale).toBe(false);
  });

  it('keeps warnings beside errors, grouped by the node they name, apart from the errors', () => {
    const { store, actions } = setup();
    const warnings = [
      { nodeId: 'p1', message: 'w1' },
      { nodeId: 'p2', message: 'w2' },
      { nodeId: 'p1', message: 'w3' },
    ];
    actions.setValidation({ status: 'invalid', revision: 0, errors: [{ nodeId: 'trigger', message: 'a' }], warnings });
    expect(store.getState().validation).toMatchObject({
      status: 'invalid',
      warnings,
      warningsByNode: { p1: ['w1', 'w3'], p2: ['w2'] },
      byNode: { trigger: ['a'] },
    });
    // Warnings alone leave the graph valid (nothing blocks Save), and name no error.
    actions.setValidation({ status: 'valid', revision: 0, errors: [], warnings: [{ nodeId: 'p1', message: 'w1' }] });
    expect(store.getState().validation).toMatchObject({ status: 'valid', byNode: {}, byEdge: {}, general: [], warningsByNode: { p1: ['w1'] } });
    actions.setValidation({ status: 'valid', revision: 0, errors: [], warnings: [] });
    expect(store.getState().validation.warningsByNode).toEqual({});
  });

  it('marks warnings alone stale while a re-validation is in flight, keeping their groups', () => {
    const { store, actions } = setup();
    const warnings = [{ nodeId: 'p1', message: 'w1' }];
    actions.setValidation({ status: 'valid', revision: 0, errors: [], warnings });
    const warningsByNode = store.getState().validation.warningsByNode;
    actions.setValidation({ status: 'checking', revision: 1, errors: [], warnings });
    expect(store.getState().validation).toMatchObject({ status: 'checking', stale: true, warningsByNode: { p1: ['w1'] } });
    expect(store.getState().validation.warningsByNode).toBe(warningsByNode);
    actions.setValidation({ status: 'valid', revision: 1, errors: [], warnings: [] });
    expect(store.getState().validation).toMatchObject({ stale: false, warningsByNode: {} });
  });
});
