import { connect } from 'node:net';
import type { FlowDto, FlowGraph, FlowNode } from '@sluice/contracts';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

/** Tables a refused request must leave untouched. */
const TABLES = ['flows', 'flow_versions', 'runs', 'history', 'outbox', 'timers', 'dead_letters', 'idempotency_keys'];
const JSON_HEADERS = { 'content-type': 'application/json' };
const NO_SUCH_UUID = '00000000-0000-4000-8000-000000000000';

const okGraph = graph([node('t', 'trigger'), node('e', 'end')], [edge('t', 'e')]);

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` deep, as raw JSON text. */
function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A straight chain trigger → t1 → … → end with `count` nodes in all. */
function chain(count: number): FlowGraph {
  const nodes: FlowNode[] = [node('n0', 'trigger')];
  for (let i = 1; i < count - 1; i++) nodes.push(node(`n${i}`, 'transform', { expression: 'event' }));
  nodes.push(node(`n${count - 1}`, 'end'));
  return graph(nodes, nodes.slice(1).map((item, i) => edge(`n${i}`, item.id)));
}

describe('bad input is refused at the edge with a 4xx and writes nothing', () => {
  const suite = sluiceSuite('server');
  let flowId: string;

  beforeAll(async () => {
    flowId = (await suite.api.createFlow('existing', okGraph)).id;
  });

  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = await suite.sluice.count(table);
    return counts;
  }

  /** Sends one request and checks status, error code and that no table changed. */
  async function expectRefused(method: string, path: string, body: string | undefined, status: number, code: string): Promise<string> {
    const before = await rowCounts();
    const response = await suite.api.request<{ error: { code: string; message: string } }>(method, path, body, JSON_HEADERS);
    expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
    expect(typeof response.body.error.message).toBe('string');
    expect(await rowCounts()).toEqual(before);
    return response.body.error.message;
  }

  const bodyRoutes = (): [string, string, (inner: string) => string][] => [
    ['a trigger', `POST /api/flows/${flowId}/events`, (inner) => inner],
    ['a topic publish', 'POST /api/topics/orders.created/events', (inner) => inner],
    ['a flow create', 'POST /api/flows', (inner) => `{"name":"deep","graph":${JSON.stringify(okGraph)},"description":${inner}}`],
    ['a flow save', `PUT /api/flows/${flowId}`, (inner) => `{"graph":${JSON.stringify(okGraph)},"description":${inner}}`],
    ['a validation', 'POST /api/flows/validate', (inner) => `{"graph":${inner}}`],
  ];

  describe.each(['array', 'object'] as const)('JSON nested 5,000 deep (%s)', (kind) => {
    it.each([0, 1, 2, 3, 4])('is refused with 400 too_deep on route %#', async (index) => {
      const [, route, wrap] = bodyRoutes()[index] as [string, string, (inner: string) => string];
      const [method, path] = route.split(' ') as [string, string];
      const message = await expectRefused(method, path, wrap(nested(5000, kind)), 400, 'too_deep');
      expect(message).toContain('64');
    });
  });

  it('accepts a payload nested exactly SLUICE_MAX_JSON_DEPTH (64) deep and refuses 65', async () => {
    const accepted = await suite.api.request('POST', `/api/flows/${flowId}/events`, nested(64, 'object'), JSON_HEADERS);
    expect(accepted.status).toBe(202);
    await expectRefused('POST', `/api/flows/${flowId}/events`, nested(65, 'object'), 400, 'too_deep');
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const payload = JSON.stringify({ text: '['.repeat(5000) + '{'.repeat(5000), quote: '\\"[[[' });
    const accepted = await suite.api.request('POST', `/api/flows/${flowId}/events`, payload, JSON_HEADERS);
    expect(accepted.status).toBe(202);
  });

  const nulCases: [string, () => [string, string, string]][] = [
    ['a payload value', () => ['POST', `/api/flows/${flowId}/events`, '{"note":"a\\u0000b"}']],
    ['a payload key', () => ['POST', `/api/flows/${flowId}/events`, '{"a\\u0000":1}']],
    ['a nested payload string', () => ['POST', `/api/flows/${flowId}/events`, '[{"deep":["x\\u0000"]}]']],
    ['a topic payload', () => ['POST', '/api/topics/orders.created/events', '{"note":"\\u0000"}']],
    ['a flow name', () => ['POST', '/api/flows', JSON.stringify({ name: 'x\u0000y', graph: okGraph })]],
    ['a flow description on save', () => ['PUT', `/api/flows/${flowId}`, JSON.stringify({ description: '\u0000', graph: okGraph })]],
    ['a graph string', () => ['POST', '/api/flows', JSON.stringify({ name: 'g', graph: graph([node('t', 'trigger', { label: 'a\u0000' }), node('e', 'end')], [edge('t', 'e')]) })]],
    ['a graph key', () => ['POST', '/api/flows', JSON.stringify({ name: 'g', graph: graph([node('t', 'trigger', { ['k\u0000']: 1 }), node('e', 'end')], [edge('t', 'e')]) })]],
    ['a node id', () => ['PUT', `/api/flows/${flowId}`, JSON.stringify({ graph: graph([node('t\u0000', 'trigger'), node('e', 'end')], [edge('t\u0000', 'e')]) })]],
  ];

  it.each(nulCases)('refuses a \\u0000 in %s with 400 unsupported_character', async (_name, make) => {
    const [method, path, body] = make();
    await expectRefused(method, path, body, 400, 'unsupported_character');
  });

  it.each([
    ['a graph string', () => ['POST', '/api/flows', JSON.stringify({ name: 'g', graph: graph([node('t', 'trigger', { label: 'LONE' }), node('e', 'end')], [edge('t', 'e')]) }).replace('LONE', '\\ud800')], 422, 'invalid_graph'],
    ['a graph key', () => ['PUT', `/api/flows/${flowId}`, JSON.stringify({ graph: graph([node('t', 'trigger', { LONE: 1 }), node('e', 'end')], [edge('t', 'e')]) }).replace('LONE', '\\udc00')], 422, 'invalid_graph'],
    ['a flow name', () => ['POST', '/api/flows', JSON.stringify({ name: 'LONE', graph: okGraph }).replace('LONE', 'a\\ud800')], 400, 'validation_failed'],
    ['a flow description', () => ['PUT', `/api/flows/${flowId}`, JSON.stringify({ description: 'LONE', graph: okGraph }).replace('LONE', '\\udbff')], 400, 'validation_failed'],
  ] as [string, () => [string, string, string], number, string][])('refuses a lone surrogate in %s, which the store cannot keep', async (_name, make, status, code) => {
    const [method, path, body] = make();
    await expectRefused(method, path, body, status, code);
  });

  it('reads an escaped backslash before u0000 as text, not as NUL', async () => {
    const response = await suite.api.request<{ runId: string }>('POST', `/api/flows/${flowId}/events`, '{"path":"C:\\\\u0000"}', JSON_HEADERS);
    expect(response.status).toBe(202);
    expect((await suite.api.run(response.body.runId)).payload).toEqual({ path: 'C:\\u0000' });
  });

  it('refuses a JSON body in a charset other than UTF-8 with 415', async () => {
    const before = await rowCounts();
    const response = await fetch(`${suite.sluice.baseUrl}/api/flows/${flowId}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-16le' },
      body: Buffer.from('{"a":1}', 'utf16le'),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    expect(await rowCounts()).toEqual(before);
  });

  it.each([
    ['garbage', '/api/runs?cursor=garbage'],
    ['a percent-encoded NUL', '/api/runs?cursor=%00'],
    ['base64 of the wrong shape', `/api/runs?cursor=${Buffer.from('{"a":1}').toString('base64url')}`],
    ['a well-formed pair with an impossible time', `/api/runs?cursor=${Buffer.from(JSON.stringify(['2024-02-31 25:61:00+00', NO_SUCH_UUID])).toString('base64url')}`],
    ['a well-formed pair with a time PostgreSQL cannot read', `/api/runs?cursor=${Buffer.from(JSON.stringify(['Tue Mar 01 2022', NO_SUCH_UUID])).toString('base64url')}`],
    ['a well-formed pair in year 0, which PostgreSQL has not', `/api/runs?cursor=${Buffer.from(JSON.stringify(['0000-01-01 00:00:00+00', NO_SUCH_UUID])).toString('base64url')}`],
    ['a garbage flows cursor', '/api/flows?cursor=garbage'],
  ])('answers a runs/flows cursor that is %s with 400', async (_name, path) => {
    await expectRefused('GET', path, undefined, 400, 'validation_failed');
  });

  it.each([
    ['version past int4', () => `/api/flows/${flowId}?version=3000000000`],
    ['version of 2^31', () => `/api/flows/${flowId}?version=2147483648`],
    ['version as a fraction', () => `/api/flows/${flowId}?version=1.5`],
    ['version given twice', () => `/api/flows/${flowId}?version=1&version=2`],
    ['asOf past int4', () => `/api/runs/${NO_SUCH_UUID}?asOf=3000000000`],
    ['asOf as Infinity', () => `/api/runs/${NO_SUCH_UUID}?asOf=Infinity`],
    ['a runs limit past 500', () => '/api/runs?limit=3000000000'],
    ['a runs limit given twice', () => '/api/runs?limit=1&limit=2'],
    ['an empty runs limit', () => '/api/runs?limit='],
    ['a runs limit in hex', () => '/api/runs?limit=0x10'],
    ['a flows limit past 500', () => '/api/flows?limit=501'],
    ['a flows limit of zero', () => '/api/flows?limit=0'],
    ['a flowId filter given twice', () => `/api/runs?flowId=${NO_SUCH_UUID}&flowId=${NO_SUCH_UUID}`],
  ])('answers %s with 400', async (_name, path) => {
    await expectRefused('GET', path(), undefined, 400, 'validation_failed');
  });

  it('answers the largest int4 version with 404, not 500', async () => {
    const response = await suite.api.request<{ error: { code: string } }>('GET', `/api/flows/${flowId}?version=2147483647`);
    expect(response.status).toBe(404);
  });
});

describe('graph size limits and retry bounds (validation names the node)', () => {
  const suite = sluiceSuite('server');
  let flowId: string;

  beforeAll(async () => {
    flowId = (await suite.api.createFlow('existing', okGraph)).id;
  });

  async function expectInvalid(body: unknown, fragment: RegExp, nodeId?: string): Promise<void> {
    const [flows, versions] = [await suite.sluice.count('flows'), await suite.sluice.count('flow_versions')];
    for (const [method, path] of [['POST', '/api/flows'], ['PUT', `/api/flows/${flowId}`]] as const) {
      const response = await suite.api.request<{ error: { code: string; details?: { errors?: { nodeId?: string; message: string }[] } } }>(method, path, body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('invalid_graph');
      const errors = response.body.error.details?.errors ?? [];
      const hit = errors.find((item) => fragment.test(item.message));
      expect(hit).toBeDefined();
      if (nodeId !== undefined) expect(hit?.nodeId).toBe(nodeId);
    }
    expect([await suite.sluice.count('flows'), await suite.sluice.count('flow_versions')]).toEqual([flows, versions]);
  }

  it('accepts 500 nodes and refuses 501', async () => {
    const created = await suite.api.request<FlowDto>('POST', '/api/flows', { name: 'big', graph: chain(500) });
    expect(created.status).toBe(201);
    await expectInvalid({ name: 'bigger', graph: chain(501) }, /501 nodes.*at most 500/);
  });

  it('refuses more than 2,000 edges', async () => {
    const g = graph([node('t', 'trigger'), node('e', 'end')], Array.from({ length: 2001 }, (_, i) => ({ ...edge('t', 'e'), id: `e${i}` })));
    await expectInvalid({ name: 'edges', graph: g }, /2001 edges.*at most 2000/);
  });

  it.each([
    ['a node id over 100 characters', () => graph([node('t', 'trigger'), node('e'.repeat(101), 'end')], [edge('t', 'e'.repeat(101))]), /id.*at most 100/, undefined],
    ['an expression over 10,000 characters', () => graph([node('t', 'trigger'), node('x', 'transform', { expression: `"${'a'.repeat(10_001)}"` }), node('e', 'end')], [edge('t', 'x'), edge('x', 'e')]), /expression.*at most 10000/, 'x'],
    ['a label over 200 characters', () => graph([node('t', 'trigger', { label: 'l'.repeat(201) }), node('e', 'end')], [edge('t', 'e')]), /label.*at most 200/, 't'],
    ['a url over 2,048 characters', () => graph([node('t', 'trigger'), node('h', 'http', { url: `http://127.0.0.1/${'u'.repeat(2048)}`, method: 'GET' }), node('e', 'end')], [edge('t', 'h'), edge('h', 'e')]), /url.*at most 2048/, 'h'],
    ['a header name over 256 characters', () => graph([node('t', 'trigger'), node('h', 'http', { url: 'http://127.0.0.1/', method: 'GET', headers: { ['x'.repeat(257)]: 'v' } }), node('e', 'end')], [edge('t', 'h'), edge('h', 'e')]), /header name.*at most 256/, 'h'],
    ['a header value over 8,192 characters', () => graph([node('t', 'trigger'), node('h', 'http', { url: 'http://127.0.0.1/', method: 'GET', headers: { 'x-big': 'v'.repeat(8193) } }), node('e', 'end')], [edge('t', 'h'), edge('h', 'e')]), /header.*at most 8192/, 'h'],
    ['a topic over 255 characters', () => graph([node('t', 'trigger'), node('p', 'publish', { topic: 't'.repeat(256) }), node('e', 'end')], [edge('t', 'p'), edge('p', 'e')]), /topic.*at most 255/, 'p'],
    ['a node type over 100 characters', () => graph([node('t', 'trigger'), node('x', 'y'.repeat(101)), node('e', 'end')], [edge('t', 'x'), edge('x', 'e')]), /type.*at most 100/, 'x'],
    ['an edge id over 100 characters', () => graph([node('t', 'trigger'), node('e', 'end')], [{ ...edge('t', 'e'), id: 'i'.repeat(101) }]), /id.*at most 100/, undefined],
  ] as [string, () => FlowGraph, RegExp, string | undefined][])('refuses %s, naming it', async (_name, make, fragment, nodeId) => {
    await expectInvalid({ name: 'long', graph: make() }, fragment, nodeId);
  });

  it('refuses retry initialIntervalMs 1e16 at validation, naming the node, instead of writing an unreadable run', async () => {
    const retry = { initialIntervalMs: 1e16, maxIntervalMs: 1e16 };
    const g = graph([node('t', 'trigger'), node('h', 'http', { url: 'http://127.0.0.1:9/', method: 'GET', retry }), node('e', 'end')], [edge('t', 'h'), edge('h', 'e')]);
    await expectInvalid({ name: 'retry', graph: g }, /retry\.initialIntervalMs must be .*86400000/, 'h');
  });

  it.each([
    [{ maxAttempts: 101 }, /retry\.maxAttempts/],
    [{ maxIntervalMs: 86_400_001 }, /retry\.maxIntervalMs/],
    [{ backoffCoefficient: 11 }, /retry\.backoffCoefficient/],
    [{ backoffCoefficient: 0.9 }, /retry\.backoffCoefficient/],
    [{ jitter: 1.01 }, /retry\.jitter/],
  ])('refuses retry %j', async (retry, fragment) => {
    const g = graph([node('t', 'trigger'), node('x', 'transform', { expression: 'event', retry }), node('e', 'end')], [edge('t', 'x'), edge('x', 'e')]);
    await expectInvalid({ name: 'retry', graph: g }, fragment, 'x');
  });

  it('refuses a delay past 30 days, naming the node', async () => {
    const g = graph([node('t', 'trigger'), node('d', 'delay', { ms: 30 * 86_400_000 + 1 }), node('e', 'end')], [edge('t', 'd'), edge('d', 'e')]);
    await expectInvalid({ name: 'delay', graph: g }, /ms must be/, 'd');
  });
});

describe('GET /api/flows is paginated like the runs list', () => {
  const suite = sluiceSuite('server');
  const created: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) created.push((await suite.api.createFlow(`flow ${i}`, okGraph)).id);
  });

  it('answers { items, nextCursor } pages of `limit` flows that together list every flow once', async () => {
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const response = await suite.api.request<{ items: FlowDto[]; nextCursor: string | null }>(
        'GET', `/api/flows?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect({ status: response.status, body: response.status === 200 ? 'page' : response.body }).toEqual({ status: 200, body: 'page' });
      expect(response.body.items.length).toBeLessThanOrEqual(3);
      expect(response.body).toHaveProperty('nextCursor');
      seen.push(...response.body.items.map((flow) => flow.id));
      cursor = response.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(created);
  });

  it('defaults to 50 flows a page, keeping `items` for clients that read only the items', async () => {
    const response = await suite.api.request<{ items: FlowDto[]; nextCursor: string | null }>('GET', '/api/flows');
    expect(response.status).toBe(200);
    expect(response.body.items.map((flow) => flow.id)).toEqual(created);
    expect(response.body.nextCursor).toBeNull();
  });
});

describe('a list page stays within 8 MiB of JSON, however large its items', () => {
  const suite = sluiceSuite('server');

  /** Follows `nextCursor` from `path`, returning each page's item ids and size in bytes. */
  async function pages(path: string): Promise<{ ids: string[]; bytes: number }[]> {
    const found: { ids: string[]; bytes: number }[] = [];
    let cursor: string | null = null;
    do {
      const response = await fetch(`${suite.sluice.baseUrl}${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const text = await response.text();
      expect(response.status).toBe(200);
      const page = JSON.parse(text) as { items: { id: string }[]; nextCursor: string | null };
      found.push({ ids: page.items.map((item) => item.id), bytes: Buffer.byteLength(text) });
      cursor = page.nextCursor;
    } while (cursor !== null && found.length < 20);
    return found;
  }

  it('ends a page of runs early when their states pass the budget, and the cursor lists the rest', async () => {
    const flow = await suite.api.createFlow('big payloads', okGraph);
    const runIds: string[] = [];
    // Each run holds its payload twice (the payload and the trigger's output): about 1.8 MiB of state.
    for (let i = 0; i < 8; i++) runIds.push((await suite.api.trigger(flow.id, { blob: 'x'.repeat(900_000), i })).runId);

    const found = await pages(`/api/runs?flowId=${flow.id}&limit=500`);

    expect(found.length).toBeGreaterThan(1);
    for (const page of found) expect(page.bytes).toBeLessThanOrEqual(8 * 1024 * 1024 + 64 * 1024);
    expect(found.flatMap((page) => page.ids).sort()).toEqual([...runIds].sort());
  });

  it('ends a page of flows early when their graphs pass the budget', async () => {
    const bigGraph = (tag: string): FlowGraph => {
      const nodes: FlowNode[] = [node('t', 'trigger', { notes: `${tag}${'n'.repeat(9000)}` })];
      for (let i = 0; i < 100; i++) nodes.push(node(`x${i}`, 'transform', { expression: 'event', notes: 'n'.repeat(9000) }));
      nodes.push(node('e', 'end'));
      return graph(nodes, nodes.slice(1).map((item, i) => edge(nodes[i]?.id ?? 't', item.id)));
    };
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await suite.api.createFlow(`big ${i}`, bigGraph(String(i)))).id);

    const found = await pages('/api/flows?limit=500');

    expect(found.length).toBeGreaterThan(1);
    for (const page of found) expect(page.bytes).toBeLessThanOrEqual(8 * 1024 * 1024 + 64 * 1024);
    const listed = found.flatMap((page) => page.ids);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.filter((id) => ids.includes(id))).toEqual(ids);
  });
});

describe('requests Node\'s HTTP parser refuses still get the error shape', () => {
  const suite = sluiceSuite('server');

  /** Sends raw bytes and returns the answer's status, content type and body. */
  function raw(text: string): Promise<{ status: number; type: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(suite.sluice.baseUrl).port), '127.0.0.1', () => socket.write(text));
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('utf8');
      });
      socket.on('close', () => {
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), type: /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '', body });
      });
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy());
    });
  }

  it.each([
    ['a request line past 16 KiB', 431, `GET /api/flows/${'z'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`],
    ['a NUL in a header value', 400, 'GET /api/flows HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\u0000b\r\n\r\n'],
    ['a malformed method', 400, 'FO@O /api/flows HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['two Content-Length headers', 400, 'POST /api/flows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['an HTTP/1.1 request without Host', 400, 'GET /api/flows HTTP/1.1\r\nConnection: close\r\n\r\n'],
    ['an Expect other than 100-continue', 417, 'GET /api/flows HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: teapot\r\nConnection: close\r\n\r\n'],
  ])('answers %s with %i in JSON, writing nothing', async (_name, status, text) => {
    const before = await suite.sluice.count('flows');
    const answer = await raw(text);
    expect({ status: answer.status, type: answer.type }).toEqual({ status, type: 'application/json; charset=utf-8' });
    expect(typeof (JSON.parse(answer.body) as { error: { code: string } }).error.code).toBe('string');
    expect(await suite.sluice.count('flows')).toBe(before);
  });
});
