import type { FlowDto, FlowGraph, RunState } from '@sluice/contracts';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

const TOKEN = 'tok-4f9a2c7e1b3d5a6f8e0c';
const step = (run: RunState, nodeId = 'call') => run.steps.find((candidate) => candidate.nodeId === nodeId);

function callWithHeaders(url: string, headers: Record<string, string>): FlowGraph {
  return graph(
    [node('start', 'trigger'), node('call', 'http', { url, method: 'POST', headers, body: 'event', timeoutMs: 2000, retry: { maxAttempts: 3, initialIntervalMs: 100, jitter: 0 } }), node('done', 'end')],
    [edge('start', 'call'), edge('call', 'done')],
  );
}

describe('secret references in http headers, and what stored outputs keep', () => {
  const suite = sluiceSuite('server', { SLUICE_SECRET_TOKEN: TOKEN });

  beforeEach(() => {
    suite.target.requests.length = 0;
  });

  /** Rows of every table whose text holds `needle`, by table: the database never holds a resolved secret. */
  async function tablesHolding(needle: string): Promise<Record<string, number>> {
    const tables = await suite.sluice.sql<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const found: Record<string, number> = {};
    for (const { name } of tables) {
      const [row] = await suite.sluice.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}" t WHERE t::text LIKE '%' || $1 || '%'`, [needle]);
      if (row && row.n > 0) found[name] = row.n;
    }
    return found;
  }

  it('sends the secret\'s value, while the graph, run, history and database keep only the reference; set-cookie is not stored', async () => {
    suite.target.reply({ status: 200, body: { accepted: true }, headers: { 'set-cookie': ['session=abc123; HttpOnly', 'csrf=xyz'], 'x-request-id': 'req-1' } });
    const created = await suite.api.createFlow('with-secret', callWithHeaders(`${suite.target.url}/hook`, { Authorization: 'Bearer {{secret.TOKEN}}' }));
    const { runId } = await suite.api.trigger(created.id, { order: 1 });

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('succeeded');
    expect(suite.target.requests[0]?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    const flow = await suite.api.request<FlowDto>('GET', `/api/flows/${created.id}`);
    expect(flow.body.graph.nodes.find((item) => item.id === 'call')?.data['headers']).toEqual({ Authorization: 'Bearer {{secret.TOKEN}}' });
    const history = await suite.api.history(runId);
    for (const text of [JSON.stringify(flow.body), JSON.stringify(run), JSON.stringify(history)]) expect(text).not.toContain(TOKEN);
    await expect(tablesHolding(TOKEN)).resolves.toEqual({});
    await expect(tablesHolding('{{secret.TOKEN}}')).resolves.toMatchObject({ flow_versions: 1 });

    const output = step(run)?.output as { headers: Record<string, string> };
    expect(output.headers).toMatchObject({ 'x-request-id': 'req-1' });
    expect(Object.keys(output.headers)).not.toContain('set-cookie');
    expect(JSON.stringify(history)).not.toContain('session=abc123');
    await expect(tablesHolding('session=abc123')).resolves.toEqual({});
  });

  it('fails the step for good when a referenced secret is not set, naming the secret, without calling', async () => {
    const created = await suite.api.createFlow('missing-secret', callWithHeaders(`${suite.target.url}/hook`, { 'x-api-key': '{{secret.ABSENT}}', Authorization: 'Bearer {{secret.TOKEN}}' }));
    const { runId } = await suite.api.trigger(created.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('failed');
    expect(step(run)).toMatchObject({
      status: 'dead', attempts: 1,
      error: { code: 'secret_missing', retryable: false, message: 'Header "x-api-key" refers to secret ABSENT, which is not set (SLUICE_SECRET_ABSENT)' },
    });
    expect(suite.target.requests).toHaveLength(0);
    const letters = await suite.api.request('GET', '/api/dead-letters');
    expect(JSON.stringify(letters.body)).toContain('SLUICE_SECRET_ABSENT');
    await expect(tablesHolding(TOKEN)).resolves.toEqual({});
  });

  it('refuses a malformed reference when the flow is saved, writing nothing', async () => {
    const flowsBefore = await suite.sluice.count('flows');
    const response = await suite.api.request<{ error: { code: string; message: string } }>('POST', '/api/flows', {
      name: 'malformed', graph: callWithHeaders(`${suite.target.url}/hook`, { Authorization: 'Bearer {{ secret.TOKEN }}' }),
    });

    expect(response.status).toBe(422);
    expect(JSON.stringify(response.body)).toContain('header \\"Authorization\\" has a malformed secret reference');
    await expect(suite.sluice.count('flows')).resolves.toBe(flowsBefore);
  });
});
