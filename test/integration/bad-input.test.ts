import { ApiClient } from '../support/api-client';
import { STORE_KINDS } from '../support/databases';
import { edge, graph, node } from '../support/graphs';
import { startSluice, type Sluice } from '../support/sluice-harness';

const TABLES = ['flows', 'flow_versions', 'runs', 'history', 'outbox', 'timers', 'dead_letters', 'idempotency_keys'];

const okGraph = graph([node('t', 'trigger'), node('e', 'end')], [edge('t', 'e')]);

describe.each(STORE_KINDS)('bad input against %s', (kind) => {
  let sluice: Sluice;
  let api: ApiClient;
  let flowId: string;
  let schemaFlowId: string;

  beforeAll(async () => {
    sluice = await startSluice(kind, { SLUICE_MAX_BODY: '2kb' });
    api = new ApiClient(sluice.baseUrl);
    flowId = (await api.createFlow('existing', okGraph)).id;
    schemaFlowId = (await api.createFlow('with-schema', graph(
      [node('t', 'trigger', { schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } } }), node('e', 'end')],
      [edge('t', 'e')],
    ))).id;
  });

  afterAll(async () => {
    await sluice?.close();
  });

  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = await sluice.count(table);
    return counts;
  }

  const cases: [string, () => { method: string; path: string; body?: unknown; headers?: Record<string, string> }, number, string][] = [
    ['malformed JSON on create', () => ({ method: 'POST', path: '/api/flows', body: '{"name": "x", "graph": {', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json'],
    ['malformed JSON on trigger', () => ({ method: 'POST', path: `/api/flows/${flowId}/events`, body: '{amount: 1}' }), 400, 'invalid_json'],
    ['a name of the wrong type', () => ({ method: 'POST', path: '/api/flows', body: { name: 42, graph: okGraph } }), 400, 'validation_failed'],
    ['a graph of the wrong type', () => ({ method: 'POST', path: '/api/flows', body: { name: 'x', graph: 'nodes' } }), 400, 'validation_failed'],
    ['nodes of the wrong type on save', () => ({ method: 'PUT', path: `/api/flows/${flowId}`, body: { graph: { nodes: {}, edges: [] } } }), 400, 'validation_failed'],
    ['an invalid graph', () => ({ method: 'POST', path: '/api/flows', body: { name: 'x', graph: graph([node('t', 'trigger'), node('f', 'filter')], [edge('t', 'f')]) } }), 422, 'invalid_graph'],
    ['an unknown flow', () => ({ method: 'POST', path: '/api/flows/00000000-0000-4000-8000-000000000000/events', body: { a: 1 } }), 404, 'not_found'],
    ['a flow id that is not a uuid', () => ({ method: 'POST', path: '/api/flows/nope/events', body: { a: 1 } }), 404, 'not_found'],
    ['a body over SLUICE_MAX_BODY', () => ({ method: 'POST', path: `/api/flows/${flowId}/events`, body: { blob: 'x'.repeat(4096) } }), 413, 'payload_too_large'],
    ['a payload the trigger schema rejects', () => ({ method: 'POST', path: `/api/flows/${schemaFlowId}/events`, body: { amount: 'lots' } }), 422, 'payload_rejected'],
    ['a non-JSON media type', () => ({ method: 'POST', path: `/api/flows/${flowId}/events`, body: 'amount=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type'],
    ['a bad status filter', () => ({ method: 'GET', path: '/api/runs?status=exploded' }), 400, 'validation_failed'],
    ['a bad asOf', () => ({ method: 'GET', path: '/api/runs/00000000-0000-4000-8000-000000000000?asOf=-1' }), 400, 'validation_failed'],
    ['an unknown run', () => ({ method: 'GET', path: '/api/runs/00000000-0000-4000-8000-000000000000' }), 404, 'not_found'],
    ['a topic with wildcards', () => ({ method: 'POST', path: '/api/topics/orders.*/events', body: {} }), 400, 'validation_failed'],
    ['an unknown route', () => ({ method: 'GET', path: '/api/nothing-here' }), 404, 'not_found'],
  ];

  it.each(cases)('answers %s with %i and the error shape, writing nothing', async (_name, make, status, code) => {
    const before = await rowCounts();
    const { method, path, body, headers } = make();

    const response = await api.request<{ error: { code: string; message: string } }>(method, path, body, headers);

    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe('string');
    expect(await rowCounts()).toEqual(before);
  });

  it('keeps serving after bad input', async () => {
    expect((await api.request('GET', '/health/ready')).status).toBe(200);
    expect((await api.trigger(flowId, { fine: true })).runId).toBeDefined();
  });
});
