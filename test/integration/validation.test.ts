import type { FlowGraph, GraphError } from '@sluice/contracts';
import { ApiClient } from '../support/api-client';
import { STORE_KINDS } from '../support/databases';
import { edge, graph, node } from '../support/graphs';
import { startSluice, type Sluice } from '../support/sluice-harness';

const http = (id: string, data: Record<string, unknown> = {}) =>
  node(id, 'http', { url: 'http://127.0.0.1:9/x', method: 'POST', timeoutMs: 1000, ...data });

/** Each validation rule of docs/flow-model.md, a graph that breaks it, and the node or edge the error must name. */
const RULES: [string, FlowGraph, Partial<GraphError>][] = [
  ['no entry node', graph([node('e', 'end')], []), {}],
  ['several entry nodes', graph([node('t1', 'trigger'), node('t2', 'trigger'), node('e', 'end')], [edge('t1', 'e'), edge('t2', 'e')]), { nodeId: 't2' }],
  ['an unknown node type', graph([node('t', 'trigger'), node('x', 'teleport')], [edge('t', 'x')]), { nodeId: 'x' }],
  ['a filter without a condition', graph([node('t', 'trigger'), node('f', 'filter')], [edge('t', 'f')]), { nodeId: 'f' }],
  ['an http node without a url', graph([node('t', 'trigger'), http('h', { url: undefined })], [edge('t', 'h')]), { nodeId: 'h' }],
  ['a publish node without a topic', graph([node('t', 'trigger'), node('p', 'publish')], [edge('t', 'p')]), { nodeId: 'p' }],
  ['a subscribe node without a topic', graph([node('s', 'subscribe'), node('e', 'end')], [edge('s', 'e')]), { nodeId: 's' }],
  ['a delay without ms', graph([node('t', 'trigger'), node('d', 'delay')], [edge('t', 'd')]), { nodeId: 'd' }],
  ['JSONata that does not parse', graph([node('t', 'trigger'), node('f', 'filter', { condition: 'event.amount >' })], [edge('t', 'f')]), { nodeId: 'f' }],
  ['a transform whose JSONata does not parse', graph([node('t', 'trigger'), node('x', 'transform', { expression: '{ "a": ' })], [edge('t', 'x')]), { nodeId: 'x' }],
  ['a cycle', graph([node('t', 'trigger'), node('a', 'transform', { expression: 'input' }), node('b', 'transform', { expression: 'input' })], [edge('t', 'a'), edge('a', 'b'), edge('b', 'a')]), {}],
  ['an edge to an unknown node', graph([node('t', 'trigger')], [{ id: 'dangling', source: 't', target: 'ghost', sourceHandle: null }]), { edgeId: 'dangling' }],
  ['an edge from an unknown handle', graph([node('t', 'trigger'), node('f', 'filter', { condition: 'true' }), node('e', 'end')], [edge('t', 'f'), { id: 'maybe', source: 'f', target: 'e', sourceHandle: 'maybe' }]), { edgeId: 'maybe' }],
  ['an unreachable node', graph([node('t', 'trigger'), node('e', 'end'), node('lonely', 'end')], [edge('t', 'e')]), { nodeId: 'lonely' }],
];

describe.each(STORE_KINDS)('graph validation against %s', (kind) => {
  let sluice: Sluice;
  let api: ApiClient;

  beforeAll(async () => {
    sluice = await startSluice(kind);
    api = new ApiClient(sluice.baseUrl);
  });

  afterAll(async () => {
    await sluice?.close();
  });

  it.each(RULES)('rejects %s, naming the culprit, and saves nothing', async (_rule, bad, culprit) => {
    const validated = await api.request<{ valid: boolean; errors: GraphError[] }>('POST', '/api/flows/validate', { graph: bad });
    expect(validated.status).toBe(200);
    expect(validated.body.valid).toBe(false);
    expect(validated.body.errors.length).toBeGreaterThan(0);
    if (culprit.nodeId) expect(validated.body.errors.some((error) => error.nodeId === culprit.nodeId)).toBe(true);
    if (culprit.edgeId) expect(validated.body.errors.some((error) => error.edgeId === culprit.edgeId)).toBe(true);
    for (const error of validated.body.errors) expect(error.message.length).toBeGreaterThan(0);

    const before = await sluice.count('flows');
    const created = await api.request<{ error: { code: string; details: { errors: GraphError[] } } }>('POST', '/api/flows', { name: 'bad', graph: bad });
    expect(created.status).toBe(422);
    expect(created.body.error.code).toBe('invalid_graph');
    expect(created.body.error.details.errors).toEqual(validated.body.errors);
    expect(await sluice.count('flows')).toBe(before);
  });

  it('accepts a valid graph', async () => {
    const ok = graph([node('t', 'trigger'), node('f', 'filter', { condition: 'event.amount > 100' }), node('i', 'ignore'), node('e', 'end')],
      [edge('t', 'f'), edge('f', 'e', 'yes'), edge('f', 'i', 'no')]);
    const validated = await api.request<{ valid: boolean; errors: GraphError[] }>('POST', '/api/flows/validate', { graph: ok });
    expect(validated.body).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('saves a new version on PUT and keeps the old one readable', async () => {
    const first = await api.createFlow('versions', graph([node('t', 'trigger'), node('e', 'end')], [edge('t', 'e')]));
    const second = await api.request<{ version: number }>('PUT', `/api/flows/${first.id}`, {
      graph: graph([node('t', 'trigger'), node('i', 'ignore')], [edge('t', 'i')]),
    });
    expect(second.status).toBe(200);
    expect(second.body.version).toBe(first.version + 1);
    const versions = await api.request<{ items: { version: number }[] }>('GET', `/api/flows/${first.id}/versions`);
    expect(versions.body.items.map((item) => item.version).sort()).toEqual([1, 2]);
    const old = await api.request<{ graph: FlowGraph }>('GET', `/api/flows/${first.id}?version=1`);
    expect(old.body.graph.nodes.map((n) => n.id)).toEqual(['t', 'e']);
    expect((await api.request('DELETE', `/api/flows/${first.id}`)).status).toBe(204);
    expect((await api.request('POST', `/api/flows/${first.id}/events`, {})).status).toBe(404);
  });
});
