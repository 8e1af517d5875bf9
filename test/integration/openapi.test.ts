import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client';
import { startSluice, type Sluice } from '../support/sluice-harness';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, {
    summary?: string;
    requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
    parameters?: { name: string; in: string }[];
    responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    security?: unknown[];
  }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

/** The routes of docs/rest-api.md as they appear in the document. */
const ROUTES: [string, string, string][] = [
  ['post', '/api/flows', '201'],
  ['get', '/api/flows', '200'],
  ['post', '/api/flows/validate', '200'],
  ['get', '/api/flows/{id}', '200'],
  ['put', '/api/flows/{id}', '200'],
  ['delete', '/api/flows/{id}', '204'],
  ['get', '/api/flows/{id}/versions', '200'],
  ['get', '/api/flows/{id}/live', '200'],
  ['post', '/api/flows/{id}/events', '202'],
  ['post', '/api/topics/{topic}/events', '202'],
  ['get', '/api/runs', '200'],
  ['get', '/api/runs/{id}', '200'],
  ['get', '/api/runs/{id}/history', '200'],
  ['post', '/api/runs/{id}/retry', '202'],
  ['get', '/api/retries', '200'],
  ['get', '/api/dead-letters', '200'],
  ['post', '/api/dead-letters/{id}/redrive', '202'],
  ['delete', '/api/dead-letters/{id}', '204'],
  ['get', '/api/stream', '200'],
  ['post', '/api/flows/{id}/replays', '202'],
  ['get', '/api/flows/{id}/replays', '200'],
  ['get', '/api/replays/{id}', '200'],
  ['get', '/api/replays/{id}/events/{runId}', '200'],
  ['get', '/health/live', '200'],
  ['get', '/health/ready', '200'],
  ['get', '/metrics', '200'],
];

describe('the OpenAPI document', () => {
  let sluice: Sluice;
  let api: ApiClient;
  let document: OpenApiDocument;

  beforeAll(async () => {
    sluice = await startSluice('server');
    api = new ApiClient(sluice.baseUrl);
    const response = await api.request<OpenApiDocument>('GET', '/api/docs-json');
    expect(response.status).toBe(200);
    document = response.body;
  });

  afterAll(async () => {
    await sluice?.close();
  });

  it('serves the OpenAPI UI at /api/docs', async () => {
    const response = await fetch(`${sluice.baseUrl}/api/docs`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/swagger/i);
  });

  it.each(ROUTES)('describes %s %s with a summary and its %s answer', (method, path, status) => {
    const operation = document.paths[path]?.[method];
    expect(operation).toBeDefined();
    expect(operation?.summary).toEqual(expect.any(String));
    expect(operation?.responses[status]).toBeDefined();
  });

  it('lists every operation it documents in ROUTES, docs/rest-api.md and the README', () => {
    const restApi = readFileSync(join(__dirname, '..', '..', 'docs', 'rest-api.md'), 'utf8');
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const listed = (text: string, method: string, path: string): boolean => {
      const written = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
      return text.split('\n').some((line) => new RegExp(`\`${written.replace(/[.*+?^$()|[\]\\]/g, '\\$&')}[\`?[]`).test(line));
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => [method, path] as const));
    expect(operations.length).toBeGreaterThanOrEqual(ROUTES.length);
    const missing = operations.flatMap(([method, path]) => [
      ...(ROUTES.some(([m, p]) => m === method && p === path) ? [] : [`${method} ${path}: ROUTES`]),
      ...(listed(restApi, method, path) ? [] : [`${method} ${path}: docs/rest-api.md`]),
      ...(listed(readme, method, path) ? [] : [`${method} ${path}: README.md`]),
    ]);
    expect(missing).toEqual([]);
  });

  it('gives the request bodies their schemas', () => {
    const body = (method: string, path: string) => document.paths[path]?.[method]?.requestBody?.content['application/json']?.schema.$ref;
    expect(body('post', '/api/flows')).toBe('#/components/schemas/CreateFlowRequest');
    expect(body('put', '/api/flows/{id}')).toBe('#/components/schemas/UpdateFlowRequest');
    expect(body('post', '/api/flows/validate')).toBe('#/components/schemas/ValidateRequest');
    expect(body('post', '/api/flows/{id}/events')).toBe('#/components/schemas/EventPayload');
    expect(body('post', '/api/flows/{id}/replays')).toBe('#/components/schemas/ReplayRequest');
    expect(document.components.schemas.CreateFlowRequest?.properties).toHaveProperty('graph');
  });

  it('documents the error shape and the bearer key on /api routes', () => {
    const create = document.paths['/api/flows']?.post;
    expect(create?.responses['422']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(create?.security).toEqual([{ bearer: [] }]);
    expect(document.components.schemas.Error?.properties).toHaveProperty('error');
  });

  it('documents run search on GET /api/runs: q, a search key, and how far a q scan went', () => {
    const list = document.paths['/api/runs']?.get;
    expect(list?.parameters?.map((parameter) => parameter.name)).toEqual(expect.arrayContaining(['flowId', 'status', 'limit', 'cursor', 'q', 'key.{name}']));
    const schema = list?.responses['200']?.content?.['application/json']?.schema as { properties?: Record<string, unknown> } | undefined;
    expect(Object.keys(schema?.properties ?? {})).toEqual(['items', 'nextCursor', 'scanned', 'complete']);
    expect(list?.responses['400']).toBeDefined();
  });

  it('documents replays: the request, the 409 of a replay already running, and what a replay answers', () => {
    const start = document.paths['/api/flows/{id}/replays']?.post;
    expect(Object.keys(start?.responses ?? {})).toEqual(expect.arrayContaining(['202', '400', '404', '409', '422']));
    expect(Object.keys(document.components.schemas.ReplayRequest?.properties ?? {})).toEqual(['graph', 'version', 'limit', 'from', 'to', 'q', 'stubs']);
    expect(Object.keys(document.components.schemas.Replay?.properties ?? {})).toEqual([
      'id', 'flowId', 'status', 'error', 'subject', 'request', 'progress', 'summary', 'nodes', 'edges', 'events', 'createdAt', 'finishedAt',
    ]);
  });

  it('leaves the demo endpoint out', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/demo'))).toEqual([]);
  });
});
