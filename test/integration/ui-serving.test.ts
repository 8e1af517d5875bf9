import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client';
import { startSluice, type Sluice } from '../support/sluice-harness';

const INDEX_HTML = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body><div id="root"></div></body></html>';
const APP_JS = 'console.log("sluice editor");';

describe('serving the editor build', () => {
  let webDir: string;
  let sluice: Sluice;
  let api: ApiClient;

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'sluice-web-'));
    await mkdir(join(webDir, 'assets'));
    await writeFile(join(webDir, 'index.html'), INDEX_HTML);
    await writeFile(join(webDir, 'assets', 'app.js'), APP_JS);
    await writeFile(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    sluice = await startSluice('server', { SLUICE_WEB_DIR: webDir });
    api = new ApiClient(sluice.baseUrl);
  });

  afterAll(async () => {
    await sluice?.close();
    await rm(webDir, { recursive: true, force: true });
  });

  function get(path: string, accept = 'text/html,application/xhtml+xml,*/*;q=0.8'): Promise<Response> {
    return fetch(`${sluice.baseUrl}${path}`, { headers: { accept } });
  }

  it('answers / with index.html, never cached', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX_HTML);
  });

  it.each(['/flows/x', '/runs/00000000-0000-4000-8000-000000000000', '/retries', '/dead-letters'])(
    'answers the editor route %s with index.html',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toBe(INDEX_HTML);
    },
  );

  it('serves hashed assets with a year-long immutable cache', async () => {
    const response = await get('/assets/app.js', '*/*');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe(APP_JS);
  });

  it('serves other files of the build, revalidated on every use', async () => {
    const response = await get('/favicon.svg', '*/*');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing asset with 404, not the page', async () => {
    const response = await get('/assets/missing-abc.js');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('<div id="root">');
  });

  it('does not answer a request that does not want HTML', async () => {
    const response = await get('/flows/x', 'application/json');
    expect(response.status).toBe(404);
  });

  it.each(['/api/nope', '/api/flows/nope/also', '/health/nope', '/metrics/nope'])(
    'keeps the JSON 404 of the API for %s, even when HTML is accepted',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      await expect(response.json()).resolves.toMatchObject({ error: { code: 'not_found' } });
    },
  );

  it('keeps the API working beside the editor', async () => {
    expect((await api.request('GET', '/api/flows')).status).toBe(200);
    expect((await api.request('GET', '/health/live')).status).toBe(200);
  });

  it('explains how to build the editor when the build is missing', async () => {
    const moved = `${webDir}-moved`;
    await rename(webDir, moved);
    try {
      const response = await get('/');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const text = await response.text();
      expect(text).toContain('npm run build -w web');
      expect(text).not.toContain('<div id="root">');
      expect((await get('/api/nope')).status).toBe(404);
    } finally {
      await rename(moved, webDir);
    }
    expect(await (await get('/')).text()).toBe(INDEX_HTML);
  });
});
