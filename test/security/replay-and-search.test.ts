/**
 * A key holder against shadow replays and run search (docs/security.md#replays-and-run-search):
 * a replay sends nothing anywhere, holds its draft to the bounds of a save
 * and its stubs to the step output limit and to what history keeps (no
 * cookies, no credentials, no secret values, nothing the store cannot hold);
 * `key.<name>` with odd names and values and a hostile `q` get 4xx or an
 * answer, never a 5xx, and a search key's expression is held to the
 * expression bounds without failing the run.
 */
import type { ErrorBody, FlowGraph, Page, ReplayDto, ReplayEventDetail, ReplayStartedDto, RunState } from '@sluice/contracts';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

const SECRET = 'hunter2-secret-value-7f3a';
const MAX_STEP_OUTPUT = 2048;

describe('replays and run search against a key holder', () => {
  const suite = sluiceSuite('server', { SLUICE_MAX_STEP_OUTPUT: String(MAX_STEP_OUTPUT), SLUICE_SECRET_TOKEN: SECRET });
  const start = (flowId: string, body: unknown) => suite.api.request<ReplayStartedDto & ErrorBody>('POST', `/api/flows/${flowId}/replays`, body);

  async function finished(id: string): Promise<ReplayDto> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await suite.api.request<ReplayDto>('GET', `/api/replays/${id}`);
      if (response.body.status !== 'running') return response.body;
      if (Date.now() > deadline) throw new Error(`replay ${id} still running`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('a replay calls nothing, keeps no cookie, credential or secret of its stubs, and holds them to the step output limit', async () => {
    const flow = await suite.api.createFlow('recorded', graph([node('in', 'trigger'), node('done', 'end')], [edge('in', 'done')]));
    const recorded = await suite.api.trigger(flow.id, { amount: 1 });
    await suite.api.waitForRun(recorded.runId);
    const http = (id: string, headers: Record<string, string> = {}) =>
      node(id, 'http', { url: `${suite.target.url}/${id}`, method: 'POST', headers, body: 'event', timeoutMs: 1000, retry: { maxAttempts: 1 } });
    const draft: FlowGraph = graph(
      [node('in', 'trigger'), http('call', { authorization: 'Bearer {{secret.TOKEN}}' }), http('odd'), http('broken'), http('big'), node('done', 'end')],
      [edge('in', 'call'), edge('call', 'odd'), edge('odd', 'broken', 'error'), edge('broken', 'big', 'error'), edge('big', 'done')],
    );
    const started = await start(flow.id, {
      graph: draft,
      stubs: {
        call: {
          headers: { 'Set-Cookie': 'sid=planted', Cookie: 'sid=planted', Authorization: 'Bearer planted', 'Proxy-Authorization': 'Basic planted', 'X-Kept': 'yes' },
          body: { ok: true },
        },
        odd: { headers: { 'x-half': '\ud800' }, body: 'half \udfff' },
        broken: { status: 500, body: 'half \ud800 of a pair' },
        big: { body: 'x'.repeat(MAX_STEP_OUTPUT) },
      },
    });
    expect(started.status).toBe(202);
    const done = await finished(started.body.id);
    expect([done.status, done.error, done.progress]).toEqual(['succeeded', null, { done: 1, total: 1 }]);
    const event = await suite.api.request<ReplayEventDetail>('GET', `/api/replays/${started.body.id}/events/${recorded.runId}`);
    const { nodes } = event.body.replayed;
    // Only the header history may keep, whatever the stub said; the secret is never resolved, let alone kept.
    expect(nodes.call?.output).toEqual({ status: 200, headers: { 'x-kept': 'yes' }, body: { ok: true } });
    // What the store cannot hold fails the step as it would in a run; a quoted body is made storable.
    expect(nodes.odd?.error?.code).toBe('output_unstorable');
    expect(nodes.broken?.error?.message).toBe('HTTP 500: half \ufffd of a pair');
    const stored = await suite.sluice.sql<{ text: string }>('SELECT replayed::text AS text FROM replay_events WHERE replay_id = $1', [started.body.id]);
    expect(stored).toHaveLength(1);
    const text = stored[0]!.text;
    expect(['planted', SECRET].filter((secret) => text.includes(secret))).toEqual([]);
    // A stub past SLUICE_MAX_STEP_OUTPUT fails as a response that size would.
    expect(nodes.big?.error).toEqual({
      code: 'output_too_large', retryable: false,
      message: `Step "big" produced an output larger than the step output limit of ${MAX_STEP_OUTPUT} bytes as JSON (SLUICE_MAX_STEP_OUTPUT)`,
    });
    expect(suite.target.requests).toEqual([]);
    expect(await suite.sluice.count('runs')).toBe(1);
  });

  it('holds a replay\'s draft to the bounds of a save, and writes nothing when it refuses', async () => {
    const flow = await suite.api.createFlow('bounds', graph([node('in', 'trigger'), node('done', 'end')], [edge('in', 'done')]));
    const ends = (count: number) => graph(
      [node('in', 'trigger'), ...Array.from({ length: count }, (_, index) => node(`n${index}`, 'end'))],
      Array.from({ length: count }, (_, index) => edge('in', `n${index}`)),
    );
    const longUrl = graph([node('in', 'trigger'), node('c', 'http', { url: `${suite.target.url}/${'a'.repeat(3000)}`, method: 'GET' })], [edge('in', 'c')]);
    const before = await suite.sluice.count('replays');
    for (const [name, body, status, code] of [
      ['501 nodes', { graph: ends(500) }, 422, 'invalid_graph'],
      ['a url past 2,048 characters', { graph: longUrl }, 422, 'invalid_graph'],
      ['a stub for every node and one more', { version: 1, stubs: Object.fromEntries(Array.from({ length: 501 }, (_, index) => [`n${index}`, {}])) }, 400, 'validation_failed'],
    ] as const) {
      const response = await start(flow.id, body);
      expect({ name, status: response.status, code: response.body.error?.code }).toEqual({ name, status, code });
    }
    const nul = await suite.api.request<ErrorBody>('POST', `/api/flows/${flow.id}/replays`,
      '{"graph":{"nodes":[{"id":"in\\u0000","type":"trigger","position":{"x":0,"y":0},"data":{}}],"edges":[]}}');
    expect([nul.status, nul.body.error.code]).toEqual([400, 'unsupported_character']);
    expect(await suite.sluice.count('replays')).toBe(before);
    await expect(start(flow.id, { graph: ends(499) }).then((response) => response.status)).resolves.toBe(202);
  });

  it('answers odd key.<name> parameters with 4xx or a page, never 5xx, and a search key past its time limit indexes nothing and fails nothing', async () => {
    // A key that spins until the 1 s limit of an expression: it gives no value, and the run goes on.
    const spin = '($f := function($n) { $n = 0 ? true : $f($n - 1) }; $f(100000000))';
    const flow = await suite.api.createFlow('keyed', graph(
      [node('in', 'trigger', { searchKeys: [{ name: 'orderId', expression: 'orderId' }, { name: 'spin', expression: spin }] }), node('done', 'end')],
      [edge('in', 'done')],
    ));
    const run = await suite.api.trigger(flow.id, { orderId: 'A-1' });
    expect((await suite.api.waitForRun(run.runId)).status).toBe('succeeded');
    const search = (query: string) => suite.api.request<Page<RunState> & ErrorBody>('GET', `/api/runs?flowId=${flow.id}&${query}`);
    const answers: [string, number, string | number][] = [];
    for (const query of [
      'key.__proto__=1', 'key.constructor=1', 'key.hasOwnProperty=1', 'key.__proto__[orderId]=A-1', 'key.orderId[x]=1', 'key.orderId[]=1',
      'key.orderId=a&key.orderId=b', `key.${'k'.repeat(10_240)}=1`, 'key.orderId.x=1', 'key..=1',
      `key.orderId=${'v'.repeat(10_240)}`, 'key.orderId=%00', 'key.orderId=%ED%A0%80', '__proto__[key.orderId]=A-1', 'key.orderId=A-1', 'key.spin=true',
    ]) {
      const response = await search(query);
      answers.push([query.slice(0, 40), response.status, response.body.error?.code ?? response.body.items.length]);
    }
    expect(answers).toEqual([
      ['key.__proto__=1', 400, 'invalid_query'],
      ['key.constructor=1', 400, 'invalid_query'],
      ['key.hasOwnProperty=1', 400, 'invalid_query'],
      ['key.__proto__[orderId]=A-1', 400, 'invalid_query'],
      ['key.orderId[x]=1', 400, 'invalid_query'],
      ['key.orderId[]=1', 400, 'invalid_query'],
      ['key.orderId=a&key.orderId=b', 400, 'validation_failed'],
      [`key.${'k'.repeat(36)}`, 400, 'invalid_query'],
      ['key.orderId.x=1', 400, 'invalid_query'],
      ['key..=1', 400, 'invalid_query'],
      [`key.orderId=${'v'.repeat(28)}`, 200, 0],
      ['key.orderId=%00', 200, 0],
      ['key.orderId=%ED%A0%80', 200, 0],
      // The query parser drops __proto__ and keeps what it names: an ordinary lookup.
      ['__proto__[key.orderId]=A-1', 200, 1],
      ['key.orderId=A-1', 200, 1],
      ['key.spin=true', 200, 0],
    ]);
    // No parameter reached Object.prototype in this process, which serves the API.
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>)['key.orderId']).toBeUndefined();
    expect(({} as Record<string, unknown>)['orderId']).toBeUndefined();
  });
});
