import type { FlowNode } from '@sluice/contracts';
import type { EffectResult } from './http-exchange';
import { classifyHttpEffect, httpNode, parseRetryAfter } from './http.node';

const NOW = new Date('2025-01-01T00:00:00.000Z');

describe('http node request', () => {
  const setup = async (data: Record<string, unknown>, input: unknown = { id: 7 }) => {
    const node: FlowNode = { id: 'h', type: 'http', position: { x: 0, y: 0 }, data: { url: 'https://x.test/hook', method: 'POST', ...data } };
    const behaviour = httpNode.behaviour;
    if (behaviour.kind !== 'http') throw new Error('http node must have http behaviour');
    return behaviour.request({ runId: 'r', node, input, scope: { event: { e: 1 }, steps: {}, input } });
  };

  it('builds the request with a JSON body from the body expression', async () => {
    await expect(setup({ body: '{ "id": input.id, "e": event.e }', headers: { 'x-key': 'k' }, timeoutMs: 2500 })).resolves.toEqual({
      ok: true,
      request: { url: 'https://x.test/hook', method: 'POST', headers: { 'x-key': 'k', 'content-type': 'application/json' }, body: '{"id":7,"e":1}', timeoutMs: 2500 },
    });
  });

  it('keeps a caller-given content type, defaults the timeout and omits an absent body', async () => {
    const withType = await setup({ body: '"text"', headers: { 'Content-Type': 'text/plain' } });
    expect(withType).toMatchObject({ ok: true, request: { headers: { 'Content-Type': 'text/plain' }, body: '"text"' } });
    const bare = await setup({});
    expect(bare).toEqual({ ok: true, request: { url: 'https://x.test/hook', method: 'POST', headers: {}, timeoutMs: 10000 } });
  });

  it('keeps secret references in header values for the runtime to resolve', async () => {
    const result = await setup({ headers: { Authorization: 'Bearer {{secret.TOKEN}}' } });
    expect(result).toMatchObject({ ok: true, request: { headers: { Authorization: 'Bearer {{secret.TOKEN}}' } } });
  });

  it('reports a body expression that fails as a final expression error', async () => {
    const result = await setup({ body: '$error("nope")' });
    expect(result).toEqual({ ok: false, error: { code: 'expression', message: expect.stringContaining('body: nope'), retryable: false } });
  });
});

describe('http node validation of secret references', () => {
  const validate = (headers: Record<string, string>) => httpNode.validate({ url: 'https://x.test/hook', method: 'GET', headers });

  it('accepts {{secret.NAME}} anywhere in a header value', () => {
    expect(validate({ Authorization: 'Bearer {{secret.API_TOKEN_2}}', 'x-pair': '{{secret.A}}:{{secret.b}}' })).toEqual([]);
  });

  it.each(['Bearer {{secret.}}', '{{ secret.TOKEN }}', '{{secret.TO-KEN}}', '{{secrets.TOKEN}}', '{{Secret.TOKEN}}'])(
    'names the header of a malformed reference %s', (value) => {
      expect(validate({ Authorization: value })).toEqual([expect.stringMatching(/^header "Authorization" has a malformed secret reference/)]);
    },
  );
});

describe('http node validation of header names and values', () => {
  const validate = (headers: Record<string, string>) => httpNode.validate({ url: 'https://x.test/hook', method: 'GET', headers });

  it('accepts token names and values with spaces, tabs and non-ASCII text', () => {
    expect(validate({ 'X-Trace_Id.1': 'a b\tc', Accept: 'application/json', 'X-Name': 'Zoë' })).toEqual([]);
  });

  it.each([['X Bad', 'v'], ['X:Colon', 'v'], ['', 'v'], ['X-Ok\r\n', 'v']])('refuses the header name %j', (name, value) => {
    expect(validate({ [name]: value })).toEqual([expect.stringMatching(/is not a valid HTTP header name$/)]);
  });

  it.each(['a\r\nX-Injected: 1', 'line\nbreak', 'nul\u0000', 'bell\u0007', 'emoji 🙂'])('refuses the value %j, naming the header', (value) => {
    expect(validate({ 'X-Custom': value })).toEqual(['header "X-Custom" has a line break, a control character or a character outside Latin-1 in its value']);
  });
});

describe('classifyHttpEffect', () => {
  const setup = (status: number, headers: Record<string, string> = {}, body: unknown = { ok: 1 }): EffectResult => ({
    kind: 'http', startedAt: NOW.toISOString(), durationMs: 3, response: { status, headers, body },
  });

  it.each([200, 201, 204, 302])('treats %i as success with { status, headers, body }', (status) => {
    expect(classifyHttpEffect(setup(status, { a: 'b' }), NOW)).toEqual({ kind: 'succeeded', output: { status, headers: { a: 'b' }, body: { ok: 1 } }, handle: null });
  });

  it.each([408, 429, 500, 502, 503, 504])('treats %i as retryable', (status) => {
    expect(classifyHttpEffect(setup(status), NOW)).toMatchObject({ kind: 'failed', error: { code: 'http_status', status, retryable: true } });
  });

  it.each([400, 401, 403, 404, 409, 422])('treats %i as final', (status) => {
    expect(classifyHttpEffect(setup(status), NOW)).toMatchObject({ kind: 'failed', error: { status, retryable: false } });
  });

  it('quotes a short excerpt of the response body in the message', () => {
    const outcome = classifyHttpEffect(setup(500, {}, 'x'.repeat(500)), NOW);
    expect(outcome.kind === 'failed' && outcome.error.message).toBe(`HTTP 500: ${'x'.repeat(200)}…`);
  });

  it('treats timeouts and network errors as retryable', () => {
    const timeout: EffectResult = { kind: 'http', startedAt: NOW.toISOString(), durationMs: 10, error: { code: 'timeout', message: 'timed out after 10 ms' } };
    expect(classifyHttpEffect(timeout, NOW)).toEqual({ kind: 'failed', error: { code: 'timeout', message: 'timed out after 10 ms', retryable: true } });
    const network: EffectResult = { kind: 'http', startedAt: NOW.toISOString(), durationMs: 1, error: { code: 'network', message: 'ECONNREFUSED' } };
    expect(classifyHttpEffect(network, NOW)).toMatchObject({ error: { code: 'network', retryable: true } });
  });

  it('treats a refused destination as final', () => {
    const refused: EffectResult = { kind: 'http', startedAt: NOW.toISOString(), durationMs: 0, error: { code: 'refused', message: '10.0.0.1 is a private address' } };
    expect(classifyHttpEffect(refused, NOW)).toMatchObject({ kind: 'failed', error: { code: 'refused', retryable: false } });
  });

  it.each(['too_many_redirects', 'output_too_large', 'secret_missing'] as const)('treats %s as final', (code) => {
    const effect: EffectResult = { kind: 'http', startedAt: NOW.toISOString(), durationMs: 1, error: { code, message: 'why' } };
    expect(classifyHttpEffect(effect, NOW)).toEqual({ kind: 'failed', error: { code, message: 'why', retryable: false } });
  });

  it('drops session cookies and echoed credentials from the stored headers, whatever their case', () => {
    const headers = { 'content-type': 'text/plain', 'Set-Cookie': 'sid=1', 'set-cookie2': 'x', Authorization: 'Bearer t', 'proxy-authorization': 'p', cookie: 'c', etag: '"1"' };
    expect(classifyHttpEffect(setup(200, headers), NOW)).toEqual({
      kind: 'succeeded', output: { status: 200, headers: { 'content-type': 'text/plain', etag: '"1"' }, body: { ok: 1 } }, handle: null,
    });
  });

  it('reads Retry-After (any header case) on retryable responses only', () => {
    expect(classifyHttpEffect(setup(429, { 'Retry-After': '7' }), NOW)).toMatchObject({ retryAfterMs: 7000 });
    expect(classifyHttpEffect(setup(400, { 'retry-after': '7' }), NOW)).not.toHaveProperty('retryAfterMs');
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
  });
});
