import type { FlowDto, FlowGraph } from '@sluice/contracts';
import type { Page } from 'playwright-core';
import { browserSuite, canvasNode, waitForNodeStatus, type BrowserSuite } from '../support/browser';
import { edge, graph, node, orderFlow } from '../support/graphs';

/** Keys of 16+ characters, as the API requires. */
const KEY = 'sluice-browser-key-0123456789abcdef';
const WRONG_KEY = 'not-the-key-of-this-sluice-0123';
const ROTATED_KEY = 'rotated-browser-key-fedcba9876543210';

/** Directives the editor's Content-Security-Policy must hold: no inline script, no eval, nothing from elsewhere. */
const STRICT_DIRECTIVES = ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'"];

/** Chromium's own console lines for answers the test provokes on purpose (401s, a server restarting). */
const EXPECTED_NETWORK_ERRORS = /Failed to load resource: (the server responded with a status of 401|net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|INCOMPLETE_CHUNKED_ENCODING))/;

interface SeenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/**
 * What a page did: every request it sent, the statuses of its stream
 * connections, the Content-Security-Policy of every page it loaded, and every
 * policy violation it reported. Set up before the page navigates.
 */
function watch(seen: { requests: SeenRequest[]; streams: number[]; policies?: string[] }) {
  return async (page: Page): Promise<void> => {
    page.on('request', (request) => seen.requests.push({ url: request.url(), method: request.method(), headers: request.headers() }));
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/stream') seen.streams.push(response.status());
      if (response.request().resourceType() === 'document') seen.policies?.push(response.headers()['content-security-policy'] ?? '(none)');
    });
    await page.addInitScript({
      content: `window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));`,
    });
  };
}

/**
 * Proves the policy is in force on the page, so a clean violation list means
 * something: an inline script must be refused. (DevTools' own evaluation is
 * exempt from the policy, so the probe adds a script element.) Then forgets
 * the one report it provoked.
 */
async function expectPolicyInForce(suite: BrowserSuite, page: Page): Promise<void> {
  const outcome = await page.evaluate<string>(`(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineScriptRan = true';
    document.head.append(script);
    script.remove();
    return window.inlineScriptRan === true ? 'ran' : 'blocked';
  })()`);
  expect(outcome).toBe('blocked');
  expect(await cspViolations(page)).toEqual(['script-src-elem inline']);
  const kept = suite.browser.errors.filter((error) => !/Executing inline script violates the following Content Security Policy/.test(error));
  suite.browser.errors.splice(0, suite.browser.errors.length, ...kept);
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.cspViolations');
}

/** Drops the console lines the test caused on purpose, so any other page error still fails it. */
function forgiveExpectedNetworkErrors(suite: BrowserSuite): void {
  const kept = suite.browser.errors.filter((error) => !EXPECTED_NETWORK_ERRORS.test(error));
  suite.browser.errors.splice(0, suite.browser.errors.length, ...kept);
}

/** The key this tab keeps (sessionStorage), or null. */
function storedKey(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(`sessionStorage.getItem('sluice.apiKey')`);
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.getByTestId('sign-in-key').fill(key);
  await page.getByTestId('sign-in-submit').click();
}

/** Runs the test's own API calls with a key. */
function keyed(suite: BrowserSuite, key = KEY) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await suite.app.api.request<T>(method, path, body, { authorization: `Bearer ${key}`, 'content-type': 'application/json' });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  return {
    createFlow: (name: string, flowGraph: FlowGraph) => call<FlowDto>('POST', '/api/flows', { name, graph: flowGraph }),
    trigger: (flowId: string, payload: unknown) => call<{ runId: string }>('POST', `/api/flows/${flowId}/events`, payload),
  };
}

const FILLER_FLOWS = 54;

/** With SLUICE_API_KEYS set, the editor signs in, sends the key as a bearer header, and follows runs over the keyed stream. */
describe('API keys in the editor (browser)', () => {
  const suite = browserSuite({ env: { SLUICE_API_KEYS: KEY } });
  let flow: FlowDto;

  beforeAll(async () => {
    const api = keyed(suite);
    const tiny = graph([node('start', 'trigger'), node('done', 'end')], [edge('start', 'done')]);
    for (let index = 0; index < FILLER_FLOWS; index += 9) {
      await Promise.all(Array.from({ length: Math.min(9, FILLER_FLOWS - index) }, (_, offset) => api.createFlow(`Filler ${index + offset + 1}`, tiny)));
    }
    flow = await api.createFlow('Keyed orders', orderFlow(`${suite.target.url}/keyed`, { maxAttempts: 1, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1000, jitter: 0 }));
  });

  it('asks for a key, refuses a wrong one, then lists every flow and follows a live run over the keyed stream', async () => {
    const seen = { requests: [] as SeenRequest[], streams: [] as number[], policies: [] as string[] };
    const page = await suite.browser.open('/', watch(seen));

    const screen = page.getByTestId('sign-in');
    await screen.waitFor();
    expect(await screen.getAttribute('data-reason')).toBe('required');
    expect(await page.getByTestId('sign-in-title').textContent()).toBe('This Sluice needs an API key');
    expect(await page.getByTestId('sign-in-key').getAttribute('type')).toBe('password');
    expect(await page.locator('.sl-rail').count()).toBe(0);
    await suite.browser.shot(page, 'api-keys', '01-sign-in');

    await signIn(page, WRONG_KEY);
    await page.getByTestId('sign-in-error').waitFor();
    expect(await page.getByTestId('sign-in-error').textContent()).toMatch(/That key was not accepted/);
    expect(await storedKey(page)).toBeNull();
    await suite.browser.shot(page, 'api-keys', '02-wrong-key');

    await signIn(page, KEY);
    await page.getByTestId(`flow-${flow.id}`).waitFor();
    // More flows than one page of the API (50): the list follows nextCursor.
    expect(await page.getByTestId('flow-count').textContent()).toBe(`${FILLER_FLOWS + 1} flows`);
    expect(await page.evaluate<[string | null, number]>(`[sessionStorage.getItem('sluice.apiKey'), localStorage.length]`)).toEqual([KEY, 0]);
    await page.getByTestId('sign-out').waitFor();
    await suite.browser.shot(page, 'api-keys', '03-flows');

    // Open the flow, send a test event, and watch the run on the canvas. The http target answers
    // after 1.5 s, so the node's last change can only arrive over the stream.
    suite.target.reply({ status: 200, body: { accepted: true }, delayMs: 1500 });
    await page.getByTestId(`flow-${flow.id}`).locator('a').first().click();
    await page.waitForURL(new RegExp(`/flows/${flow.id}$`));
    await canvasNode(page, 'call').waitFor();
    await page.getByTestId('send-test-event').click();
    await page.getByTestId('send-event-json').fill('{ "orderId": "K-1", "amount": 250 }');
    await page.getByTestId('send-event-submit').click();
    await waitForNodeStatus(page, 'call', 'scheduled', 10_000);
    await waitForNodeStatus(page, 'call', 'succeeded', 10_000);
    await waitForNodeStatus(page, 'done', 'succeeded');
    await suite.browser.shot(page, 'api-keys', '04-live-run');

    // The stream was read with the key in a header, and no key ever went into a URL.
    const streams = seen.requests.filter((request) => new URL(request.url).pathname === '/api/stream');
    expect(streams.length).toBeGreaterThan(0);
    expect(streams.every((request) => request.headers['authorization'] === `Bearer ${KEY}`)).toBe(true);
    expect(seen.streams).toContain(200);
    expect(seen.requests.filter((request) => request.url.includes(KEY) || request.url.includes(WRONG_KEY))).toEqual([]);
    // Every API call after sign-in carried the key; every write declared JSON.
    const apiCalls = seen.requests.filter((request) => new URL(request.url).pathname.startsWith('/api/'));
    const signedIn = apiCalls.slice(apiCalls.findIndex((request) => request.headers['authorization'] === `Bearer ${KEY}`));
    expect(signedIn.filter((request) => request.headers['authorization'] !== `Bearer ${KEY}`).map((request) => request.url)).toEqual([]);
    const writes = apiCalls.filter((request) => request.method !== 'GET');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((request) => request.headers['content-type'] !== 'application/json').map((request) => `${request.method} ${request.url}`)).toEqual([]);
    // The editor ran all of that under the API's strict policy without one violation.
    expect(seen.policies.length).toBeGreaterThan(0);
    for (const policy of seen.policies) {
      const directives = policy.split(';').map((directive) => directive.trim());
      expect(directives).toEqual(expect.arrayContaining(STRICT_DIRECTIVES));
      expect(policy).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|https?:/);
    }
    expect(await cspViolations(page)).toEqual([]);
    await expectPolicyInForce(suite, page);
    forgiveExpectedNetworkErrors(suite);
  });

  it('signs out: the key leaves the tab and the sign-in screen comes back, also after a reload', async () => {
    const page = await suite.browser.open('/retries', watch({ requests: [], streams: [] }));
    await signIn(page, KEY);
    await page.getByTestId('sign-out').click();
    const screen = page.getByTestId('sign-in');
    await screen.waitFor();
    expect(await screen.getAttribute('data-reason')).toBe('signed-out');
    expect(await storedKey(page)).toBeNull();
    await suite.browser.shot(page, 'api-keys', '05-signed-out');
    await page.reload();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.getByTestId('sign-in').getAttribute('data-reason')).toBe('required');
    expect(await cspViolations(page)).toEqual([]);
    forgiveExpectedNetworkErrors(suite);
  });

  it('goes back to sign-in with a clear message when the key stops being accepted mid-session, then carries on with the new key', async () => {
    const page = await suite.browser.open(`/flows/${flow.id}`, watch({ requests: [], streams: [] }));
    await signIn(page, KEY);
    await canvasNode(page, 'call').waitFor();

    // The operator rotates the keys: the open stream drops, reconnects, and is refused.
    await suite.app.restart({ SLUICE_API_KEYS: ROTATED_KEY });
    const screen = page.getByTestId('sign-in');
    await screen.waitFor({ timeout: 45_000 });
    expect(await screen.getAttribute('data-reason')).toBe('expired');
    expect(await page.getByTestId('sign-in-title').textContent()).toBe('Your key is no longer accepted');
    expect(await storedKey(page)).toBeNull();
    await suite.browser.shot(page, 'api-keys', '06-key-rotated');

    // The old key is refused; the new one brings back the same page, live.
    await signIn(page, KEY);
    await page.getByTestId('sign-in-error').waitFor();
    await signIn(page, ROTATED_KEY);
    await canvasNode(page, 'call').waitFor();
    expect(page.url()).toBe(`${suite.app.baseUrl}/flows/${flow.id}`);
    suite.target.reply({ status: 200, body: { accepted: true } });
    const { runId } = await keyed(suite, ROTATED_KEY).trigger(flow.id, { orderId: 'K-2', amount: 400 });
    await page.locator(`[data-testid="run-indicator"][data-run-id="${runId}"]`).waitFor({ state: 'attached' });
    await waitForNodeStatus(page, 'done', 'succeeded', 10_000);
    await suite.browser.shot(page, 'api-keys', '07-new-key-live');
    expect(await cspViolations(page)).toEqual([]);
    forgiveExpectedNetworkErrors(suite);
  });

  it('never shows the sign-in screen when the server has no keys', async () => {
    await suite.app.restart({});
    const page = await suite.browser.open('/', watch({ requests: [], streams: [] }));
    await page.getByTestId(`flow-${flow.id}`).waitFor();
    expect(await page.getByTestId('sign-in').count()).toBe(0);
    expect(await page.getByTestId('sign-out').count()).toBe(0);
  });
});
