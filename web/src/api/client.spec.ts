import { apiKeyStore } from './apiKeyStore';
import { api, checkApiKey, collectPages, requestHeaders } from './client';

const KEY = 'a-key-of-twenty-chars';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Replaces the global fetch with one that records each call and answers from `answer`. */
function setup(answer: (url: string) => Response = () => Response.json({ items: [] })) {
  const sent: Sent[] = [];
  const original = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit = {}) => {
    sent.push({ url, method: init.method ?? 'GET', headers: (init.headers ?? {}) as Record<string, string>, body: init.body });
    return answer(url);
  }) as typeof fetch;
  return { sent, restore: () => void (globalThis.fetch = original) };
}

let restore: () => void = () => undefined;
afterEach(() => {
  restore();
  apiKeyStore.setState({ key: null, signIn: null });
});

describe('API client', () => {
  it('sends content-type: application/json on every state-changing call, even without a body', async () => {
    const { sent, restore: undo } = setup(() => new Response(null, { status: 204 }));
    restore = undo;
    await api.archiveFlow('f1');
    await api.retryRun('r1');
    await api.discardDeadLetter('d1');
    expect(sent.map((call) => [call.method, call.headers['content-type'], call.body])).toEqual([
      ['DELETE', 'application/json', undefined],
      ['POST', 'application/json', undefined],
      ['DELETE', 'application/json', undefined],
    ]);
    expect(requestHeaders('GET', null)).toEqual({ accept: 'application/json' });
  });

  it('sends the tab\'s key as a bearer header, never in the URL', async () => {
    const { sent, restore: undo } = setup();
    restore = undo;
    apiKeyStore.getState().accept(KEY);
    await api.listRuns({ flowId: 'f1' });
    expect(sent[0]?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(sent[0]?.url).not.toContain(KEY);
  });

  it('a 401 sends the app to the sign-in screen, saying the key expired when one was sent', async () => {
    const { restore: undo } = setup(() => Response.json({ error: { code: 'unauthorized', message: 'A valid bearer key is required' } }, { status: 401 }));
    restore = undo;
    await expect(api.listRuns()).rejects.toMatchObject({ status: 401 });
    expect(apiKeyStore.getState().signIn).toBe('required');

    apiKeyStore.getState().accept(KEY);
    await expect(api.listRuns()).rejects.toMatchObject({ status: 401 });
    expect(apiKeyStore.getState()).toMatchObject({ key: null, signIn: 'expired' });
  });

  it('checks a key without keeping it', async () => {
    const { sent, restore: undo } = setup((url) => (url.includes('limit=1') ? Response.json({ items: [] }, { status: 401 }) : Response.json({})));
    restore = undo;
    await expect(checkApiKey('wrong-key-0123456789')).resolves.toBe('refused');
    expect(sent[0]?.headers['authorization']).toBe('Bearer wrong-key-0123456789');
    expect(apiKeyStore.getState()).toMatchObject({ key: null, signIn: null });
  });

  it('loads every flow by following nextCursor, asking for the largest page', async () => {
    const pages: Record<string, { items: { id: string }[]; nextCursor: string | null }> = {
      '': { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' },
      c1: { items: [{ id: 'c' }], nextCursor: 'c2' },
      c2: { items: [{ id: 'd' }], nextCursor: null },
    };
    const { sent, restore: undo } = setup((url) => Response.json(pages[new URL(url, 'http://x').searchParams.get('cursor') ?? '']));
    restore = undo;
    const all = await api.listAllFlows();
    expect(all.items.map((flow) => flow.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(sent.map((call) => call.url)).toEqual(['/api/flows?limit=500', '/api/flows?limit=500&cursor=c1', '/api/flows?limit=500&cursor=c2']);
  });

  it('stops following a cursor that repeats', async () => {
    let calls = 0;
    const all = await collectPages(async () => {
      calls++;
      return { items: [calls], nextCursor: 'same' };
    });
    expect(all.items).toEqual([1, 2]);
  });
});
