import type { RunState } from '@sluice/contracts';
import { isNonPublicAddress, PrivateAddressGuard, UndiciHttpCaller } from '@sluice/platform';
import { edge, fastRetry, graph, httpFlow, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';
import { TargetServer } from '../support/target-server';

/**
 * Every test here talks to 127.0.0.1 only. The guarded suite runs the
 * production guard with one exception, that this test's target address
 * 127.0.0.1 counts as public; every other non-public address (including
 * 127.0.0.1 written as IPv6) is refused before a socket is opened.
 */
const targetCountsAsPublic = (address: string): boolean => address !== '127.0.0.1' && isNonPublicAddress(address);

const step = (run: RunState, nodeId = 'call') => run.steps.find((candidate) => candidate.nodeId === nodeId);

describe('http redirects and address forms with the private-address guard on', () => {
  const suite = sluiceSuite('server', {}, {
    http: new UndiciHttpCaller({ maxBodyBytes: 1024 * 1024, guard: new PrivateAddressGuard({ refuses: targetCountsAsPublic }) }),
  });

  beforeEach(() => {
    suite.target.requests.length = 0;
  });

  it('refuses a redirect to the cloud metadata address before connecting: dead at attempt 1, code refused', async () => {
    suite.target.reply({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } });
    const flow = await suite.api.createFlow('redirect-to-metadata', httpFlow(`${suite.target.url}/hook`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('failed');
    expect(step(run)).toMatchObject({
      status: 'dead', attempts: 1, error: { code: 'refused', retryable: false, message: expect.stringContaining('169.254.169.254') },
    });
    expect(suite.target.requests.map((request) => request.path)).toEqual(['/hook']);
  });

  it('refuses a redirect to loopback written as IPv4-mapped IPv6 (the URL parser makes it ::ffff:7f00:1)', async () => {
    const port = new URL(suite.target.url).port;
    suite.target.reply({ status: 307, headers: { location: `http://[::ffff:127.0.0.1]:${port}/again` } });
    const flow = await suite.api.createFlow('redirect-to-mapped', httpFlow(`${suite.target.url}/hook`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(step(run)).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'refused', message: expect.stringContaining('::ffff:7f00:1') } });
    expect(suite.target.requests.map((request) => request.path)).toEqual(['/hook']);
  });

  it('refuses a hex IPv4-mapped loopback URL without sending anything', async () => {
    const port = new URL(suite.target.url).port;
    const flow = await suite.api.createFlow('mapped-literal', httpFlow(`http://[::ffff:7f00:1]:${port}/direct`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(step(run)).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'refused', retryable: false } });
    expect(suite.target.requests).toHaveLength(0);
  });
});

describe('the guard checks the address the connection uses (DNS rebinding)', () => {
  const target = new TargetServer();
  beforeAll(() => target.start());
  afterAll(() => target.stop());
  beforeEach(() => {
    target.requests.length = 0;
    target.reply({ status: 200, body: { ok: true } });
  });

  /** A caller whose connections resolve every name to 127.0.0.1, as a rebinding name would at connect time. */
  const setup = (refuses?: (address: string) => boolean) => {
    const lookups: string[] = [];
    const guard = new PrivateAddressGuard({
      resolve: async (hostname) => {
        lookups.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
      ...(refuses ? { refuses } : {}),
    });
    return { caller: new UndiciHttpCaller({ maxBodyBytes: 1024 * 1024, guard }), lookups };
  };

  it('refuses at connect time a name that resolves to loopback, with code refused and no request sent', async () => {
    const { caller, lookups } = setup();
    const port = new URL(target.url).port;
    try {
      const effect = await caller.call({ url: `http://rebind.test:${port}/x`, method: 'GET', headers: {}, timeoutMs: 2000 });

      expect(effect.response).toBeUndefined();
      expect(effect.error).toEqual({ code: 'refused', message: expect.stringMatching(/^rebind\.test resolves to 127\.0\.0\.1/) });
      expect(lookups).toEqual(['rebind.test']);
      expect(target.requests).toHaveLength(0);
    } finally {
      await caller.close();
    }
  });

  it('connects to the very address its own lookup checked', async () => {
    const { caller, lookups } = setup(targetCountsAsPublic);
    const port = new URL(target.url).port;
    try {
      const effect = await caller.call({ url: `http://rebind.test:${port}/x`, method: 'GET', headers: {}, timeoutMs: 2000 });

      expect(effect.response).toMatchObject({ status: 200, body: { ok: true } });
      expect(lookups).toEqual(['rebind.test']);
      expect(target.requests).toEqual([expect.objectContaining({ path: '/x', headers: expect.objectContaining({ host: `rebind.test:${port}` }) })]);
    } finally {
      await caller.close();
    }
  });
});

describe('http redirects with SLUICE_HTTP_ALLOW_PRIVATE=true', () => {
  const suite = sluiceSuite('server', { SLUICE_SECRET_KEY: 'key-value-for-a' });
  const other = new TargetServer();
  beforeAll(() => other.start());
  afterAll(() => other.stop());
  beforeEach(() => {
    suite.target.requests.length = 0;
    other.requests.length = 0;
  });

  it('follows a chain between two targets: 307 keeps method and body, 303 turns it into a GET; credentials stay with their origin', async () => {
    suite.target.respond((request) =>
      request.path === '/start' ? { status: 307, headers: { location: `${other.url}/b1` } } : { status: 302, headers: { location: `${other.url}/b2` } },
    );
    other.respond((request) =>
      request.path === '/b1' ? { status: 303, headers: { location: `${suite.target.url}/a2` } } : { status: 200, body: { reached: request.path } },
    );
    const headers = { Authorization: 'Bearer plain-token', 'x-api-key': '{{secret.KEY}}', 'x-trace': 't-1' };
    const flow = await suite.api.createFlow('redirect-chain', graph(
      [node('start', 'trigger'), node('call', 'http', { url: `${suite.target.url}/start`, method: 'POST', headers, body: 'event', timeoutMs: 2000 }), node('done', 'end')],
      [edge('start', 'call'), edge('call', 'done')],
    ));
    const { runId } = await suite.api.trigger(flow.id, { order: 7 });

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('succeeded');
    expect(step(run)?.output).toMatchObject({ status: 200, body: { reached: '/b2' } });
    const hops = [...suite.target.requests, ...other.requests].sort((a, b) => a.seq - b.seq);
    expect(hops.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'POST', path: '/start', body: { order: 7 } },
      { method: 'POST', path: '/b1', body: { order: 7 } },
      { method: 'GET', path: '/a2', body: undefined },
      { method: 'GET', path: '/b2', body: undefined },
    ]);
    expect(hops[0]?.headers).toMatchObject({ authorization: 'Bearer plain-token', 'x-api-key': 'key-value-for-a', 'x-trace': 't-1' });
    for (const hop of hops.slice(1)) {
      expect(hop.headers).not.toHaveProperty('authorization');
      expect(hop.headers).not.toHaveProperty('x-api-key');
      expect(hop.headers).toMatchObject({ 'x-trace': 't-1' });
    }
    expect(hops[2]?.headers).not.toHaveProperty('content-type');
  });

  /** `/r/N` redirects to `/r/N-1`; `/r/0` answers 200. */
  const countdown = (target: TargetServer) =>
    target.respond((request) => {
      const left = Number(/^\/r\/(\d+)$/.exec(request.path)?.[1] ?? 0);
      return left === 0 ? { status: 200, body: { arrived: true } } : { status: 302, headers: { location: `/r/${left - 1}` } };
    });

  it('follows five redirects', async () => {
    countdown(suite.target);
    const flow = await suite.api.createFlow('five-redirects', httpFlow(`${suite.target.url}/r/5`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(step(run)).toMatchObject({ status: 'succeeded', output: { status: 200, body: { arrived: true } } });
    expect(suite.target.requests).toHaveLength(6);
  });

  it('fails the step for good on a sixth redirect, without retries', async () => {
    countdown(suite.target);
    const flow = await suite.api.createFlow('six-redirects', httpFlow(`${suite.target.url}/r/6`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('failed');
    expect(step(run)).toMatchObject({
      status: 'dead', attempts: 1, error: { code: 'too_many_redirects', retryable: false, message: expect.stringContaining('More than 5 redirects') },
    });
    expect(suite.target.requests.map((request) => request.path)).toEqual(['/r/6', '/r/5', '/r/4', '/r/3', '/r/2', '/r/1']);
  });
});
