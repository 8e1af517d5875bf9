import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawHttpStatus, rawRequest, type RawResponse } from '../support/api-client';
import { fastRetry, httpFlow } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

/**
 * Issue 6, item 6 (DNS rebinding and cross-site writes against the open
 * loopback default) and item 11 (security headers; /demo only with the
 * samples), against a Sluice without SLUICE_API_KEYS.
 */

const INDEX_HTML = '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body><div id="root"></div></body></html>';
const TABLES = ['flows', 'flow_versions', 'runs', 'history', 'dead_letters', 'timers', 'idempotency_keys'];

const webDir = join(tmpdir(), `sluice-transport-web-${process.pid}`);

describe('transport without API keys (loopback only)', () => {
  beforeAll(async () => {
    await mkdir(join(webDir, 'assets'), { recursive: true });
    await writeFile(join(webDir, 'index.html'), INDEX_HTML);
    await writeFile(join(webDir, 'assets', 'app.js'), 'document.title = "Sluice";');
  });
  afterAll(async () => {
    await rm(webDir, { recursive: true, force: true });
  });

  const suite = sluiceSuite('server', { SLUICE_WEB_DIR: webDir, SLUICE_SEED_SAMPLES: 'false' });
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    suite.target.reply({ status: 400, body: { refused: true } });
    const flow = await suite.api.createFlow('transport', httpFlow(`${suite.target.url}/hook`, fastRetry(1)));
    const { runId } = await suite.api.trigger(flow.id, { n: 1 });
    await suite.api.waitForRun(runId);
    const letters = await suite.api.request<{ items: { id: string }[] }>('GET', '/api/dead-letters');
    Object.assign(ids, { flow: flow.id, run: runId, letter: letters.body.items[0]?.id ?? 'missing' });
  });

  function fill(path: string): string {
    return path.replace(/\{(\w+)\}/g, (_match, name: string) => ids[name] ?? name);
  }

  async function fingerprint(): Promise<string> {
    const counts: number[] = [];
    for (const table of TABLES) counts.push(await suite.sluice.count(table));
    const flows = await suite.sluice.sql('SELECT id, archived, latest_version FROM flows ORDER BY id');
    const letters = await suite.sluice.sql('SELECT id, status FROM dead_letters ORDER BY id');
    const runs = await suite.sluice.sql('SELECT id, status FROM runs ORDER BY id');
    return JSON.stringify({ counts, flows, letters, runs });
  }

  function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    return rawRequest(suite.sluice.baseUrl, method, fill(path), { headers, body });
  }

  describe('Host header (DNS rebinding)', () => {
    const foreignHosts = [
      'attacker.example', 'attacker.example:3000', '127.0.0.1.attacker.example', 'localhost.attacker.example', 'attacker.localhost',
      '0.0.0.0', '10.0.0.1:3000', '192.168.1.20', '2130706433', '0x7f000001', '127.1', '127.0.0.256', '[::ffff:127.0.0.1]',
      '[fe80::1]:3000', 'localhost:3000@attacker.example', '',
    ];
    const paths = ['/api/flows', '/', '/flows/x', '/assets/app.js', '/api/docs', '/api/docs-json', '/health/live', '/metrics'];

    it.each(foreignHosts)('answers 421 misdirected to Host %p on every path, the editor and the docs included', async (host) => {
      for (const path of paths) {
        const response = await send('GET', path, { host, accept: 'text/html,application/json' });
        expect({ path, status: response.status, body: response.body }).toEqual({ path, status: 421, body: expect.stringContaining('"code":"misdirected"') });
      }
    });

    it('writes nothing for a state change sent to a foreign Host', async () => {
      const before = await fingerprint();
      const writes: [string, string, string?][] = [
        ['POST', '/api/flows', JSON.stringify({ name: 'rebound', graph: { nodes: [], edges: [] } })],
        ['POST', '/api/flows/{flow}/events', '{"n":2}'],
        ['DELETE', '/api/flows/{flow}'],
        ['POST', '/api/dead-letters/{letter}/redrive'],
      ];
      for (const [method, path, body] of writes) {
        const response = await send(method, path, { host: 'attacker.example:3000', 'content-type': 'application/json' }, body);
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 421 });
      }
      expect(await fingerprint()).toBe(before);
    });

    it('answers 421 to a request with no Host at all (HTTP/1.0)', async () => {
      await expect(rawHttpStatus(suite.sluice.baseUrl, 'GET /api/flows HTTP/1.0\r\n\r\n')).resolves.toBe(421);
    });

    it.each(['http://attacker.example/api/flows', 'http://attacker.example:3000/api/flows', 'https://10.0.0.1/api/flows'])(
      'answers 421 to a loopback Host whose request target names another host in absolute form (%p)',
      async (target) => {
        const host = new URL(suite.sluice.baseUrl).host;
        await expect(rawHttpStatus(suite.sluice.baseUrl, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).resolves.toBe(421);
      },
    );

    it.each(['http://12:7.0.0.1/api/flows', 'http://localhost:3000@attacker.example/api/flows', 'ftp://localhost/api/flows'])(
      'answers 400 in the error shape to a request target in absolute form it cannot read (%p)',
      async (target) => {
        const host = new URL(suite.sluice.baseUrl).host;
        const before = await fingerprint();
        await expect(rawHttpStatus(suite.sluice.baseUrl, `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`)).resolves.toBe(400);
        expect(await fingerprint()).toBe(before);
      },
    );

    it('serves a request target in absolute form that names a loopback host', async () => {
      const host = new URL(suite.sluice.baseUrl).host;
      await expect(rawHttpStatus(suite.sluice.baseUrl, `GET http://${host}/api/flows HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`)).resolves.toBe(200);
    });

    it.each(['localhost', 'LOCALHOST:3000', 'localhost:1', '127.0.0.1', '127.0.0.1:3000', '127.255.255.254:8080', '[::1]', '[::1]:3000'])(
      'serves Host %p, a loopback name',
      async (host) => {
        const response = await send('GET', '/api/flows', { host });
        expect(response.status).toBe(200);
      },
    );
  });

  describe('content type of state changes (cross-site writes)', () => {
    /** Every state-changing route, with a body a form or a simple fetch could carry. */
    const writes: [string, string, string?][] = [
      ['POST', '/api/flows', JSON.stringify({ name: 'cross-site', graph: { nodes: [{ id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: {} }], edges: [] } })],
      ['POST', '/api/flows/validate', JSON.stringify({ graph: { nodes: [], edges: [] } })],
      ['PUT', '/api/flows/{flow}', JSON.stringify({ name: 'renamed', graph: { nodes: [], edges: [] } })],
      ['DELETE', '/api/flows/{flow}'],
      ['POST', '/api/flows/{flow}/events', '{"n":3}'],
      ['POST', '/api/flows/{flow}/events'],
      ['POST', '/api/topics/orders.new/events', '{"n":4}'],
      ['POST', '/api/runs/{run}/retry'],
      ['POST', '/api/dead-letters/{letter}/redrive'],
      ['DELETE', '/api/dead-letters/{letter}'],
      ['PATCH', '/api/flows/{flow}', '{}'],
    ];
    const contentTypes: [string, Record<string, string>][] = [
      ['no content type', {}],
      ['text/plain', { 'content-type': 'text/plain' }],
      ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['multipart/form-data', { 'content-type': 'multipart/form-data; boundary=x' }],
      ['text/json', { 'content-type': 'text/json' }],
      ['application/jsonp', { 'content-type': 'application/jsonp' }],
    ];

    // Rows of equal length: jest would take a missing body for a done callback.
    it.each(writes.map(([method, path, body]) => [method, path, body] as const))('refuses %s %s with 415 unless the content type is JSON, writing nothing', async (method, path, body) => {
      const before = await fingerprint();
      for (const [name, headers] of contentTypes) {
        const response = await send(method, path, headers, body);
        expect({ name, status: response.status, body: response.body }).toEqual({ name, status: 415, body: expect.stringContaining('"code":"unsupported_media_type"') });
      }
      expect(await fingerprint()).toBe(before);
    });

    it('accepts a state change with an empty body and Content-Type: application/json', async () => {
      const created = await suite.api.createFlow('to-archive', httpFlow(`${suite.target.url}/x`, fastRetry(1)));
      const response = await send('DELETE', `/api/flows/${created.id}`, { 'content-type': 'Application/JSON; charset=utf-8' });
      expect(response.status).toBe(204);
    });
  });

  describe('security headers', () => {
    function expectCommonHeaders(response: RawResponse): void {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }

    it.each([
      ['GET', '/api/flows', {}, 200],
      ['GET', '/api/nothing-here', {}, 404],
      ['GET', '/health/live', {}, 200],
      ['GET', '/metrics', {}, 200],
      ['POST', '/api/flows', {}, 415],
      ['GET', '/api/flows', { host: 'attacker.example' }, 421],
    ] as const)('sets them on %s %s (%#)', async (method, path, headers, status) => {
      const response = await send(method, path, { ...headers });
      expect(response.status).toBe(status);
      expectCommonHeaders(response);
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    });

    it.each(['/', '/flows/x', '/assets/app.js'])('gives the editor (%s) a CSP that allows only its own scripts', async (path) => {
      const response = await send('GET', path, { accept: 'text/html' });
      expect(response.status).toBe(200);
      expectCommonHeaders(response);
      const csp = response.headers['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
    });

    it('gives the OpenAPI UI the page CSP', async () => {
      const response = await send('GET', '/api/docs', { accept: 'text/html' });
      expect(response.status).toBe(200);
      expectCommonHeaders(response);
      expect(response.headers['content-security-policy']).toContain("script-src 'self';");
    });
  });

  it("makes the OpenAPI UI's Try it out send a JSON content type on state changes", async () => {
    const init = await send('GET', '/api/docs/swagger-ui-init.js', {});
    expect(init.status).toBe(200);
    expect(init.body).toMatch(/"requestInterceptor": function withJsonContentType\(request\) \{[^]*'Content-Type'\] = 'application\/json'/);
  });

  it('has no /demo/fulfil route when the samples are not seeded', async () => {
    const response = await send('POST', '/demo/fulfil', { 'content-type': 'application/json' }, '{"orderId":"A-1"}');
    expect(response.status).toBe(404);
  });
});
