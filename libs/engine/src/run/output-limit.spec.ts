import fc from 'fast-check';
import { flowGraph } from '../testing/graph-builder';
import { httpResponse, RunHarness } from '../testing/run-harness';
import { compileFlow } from '../graph/compile-flow';
import { capStepOutput, inspectJson, jsonLongerThan, MAX_STORED_DEPTH, storableText } from './output-limit';

const utf8Bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? 'null');

describe('jsonLongerThan', () => {
  it('agrees with JSON.stringify on random JSON values at every limit around their size', () => {
    const values = fc.oneof(fc.jsonValue(), fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'grapheme' })));
    fc.assert(
      fc.property(values, fc.integer({ min: -3, max: 3 }), (value, offset) => {
        const size = utf8Bytes(value);
        const limit = Math.max(0, size + offset);
        expect(jsonLongerThan(value, limit)).toBe(size > limit);
      }),
      { numRuns: 500, seed: 6 },
    );
  });

  it.each([
    ['escapes', 'a"b\\c\n\t\u0001'],
    ['two-, three- and four-byte characters', 'é€😀'],
    ['a lone surrogate', '\ud800x'],
    ['undefined and functions inside objects and arrays', { a: undefined, b: () => 1, c: [undefined, 1] }],
    ['non-finite numbers', [Number.NaN, Infinity, -0, 1e21]],
    ['dates', { at: new Date(0) }],
  ])('counts %s like JSON.stringify', (_name, value) => {
    const size = utf8Bytes(value);
    expect([jsonLongerThan(value, size - 1), jsonLongerThan(value, size)]).toEqual([true, false]);
  });

  it('rejects a huge string or a cyclic value without walking all of it', () => {
    expect(jsonLongerThan('x'.repeat(50_000_000), 1024)).toBe(true);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    expect(jsonLongerThan(cyclic, 1024)).toBe(true);
  });
});

/** An array nested `levels` deep around `inner`. */
const nested = (levels: number, inner: unknown = 1): unknown => {
  let value = inner;
  for (let level = 0; level < levels; level += 1) value = [value];
  return value;
};

describe('inspectJson', () => {
  it.each([
    ['NUL in a string', { a: ['x\u0000y'] }, 'nul'],
    ['NUL in a key', { 'a\u0000': 1 }, 'nul'],
    ['a lone high surrogate', { a: 'x\ud800' }, 'lone_surrogate'],
    ['a lone low surrogate', ['\udc00x'], 'lone_surrogate'],
    ['a lone surrogate in a key', { '\ud83d': 1 }, 'lone_surrogate'],
    ['nesting one level past the limit', nested(MAX_STORED_DEPTH + 1), 'too_deep'],
  ])('refuses %s', (_name, value, reason) => {
    expect(inspectJson(value, 1_000_000, MAX_STORED_DEPTH)).toBe(reason);
  });

  it.each([
    ['surrogate pairs and other control characters', { emoji: '😀', controls: '\u0001\u001f', '😀': 'é€' }],
    ['nesting at the limit, objects and arrays alike', nested(MAX_STORED_DEPTH - 1, { deepest: true })],
    ['many shallow siblings', Array.from({ length: 10_000 }, () => [1])],
  ])('accepts %s', (_name, value) => {
    expect(inspectJson(value, 1_000_000, MAX_STORED_DEPTH)).toBeUndefined();
  });

  it('finds NUL and lone surrogates in random strings and keys, with or without a size limit', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const holder = { value, text, [text]: 1 };
        const expected = text.includes('\u0000') ? 'nul' : /[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')) ? 'lone_surrogate' : undefined;
        expect(inspectJson(holder, Number.POSITIVE_INFINITY, MAX_STORED_DEPTH)).toBe(expected);
        // Under a size limit, the walk stops at whichever problem it meets first.
        const limit = utf8Bytes(holder) - 1;
        expect([expected, 'too_large']).toContain(inspectJson(holder, limit, MAX_STORED_DEPTH));
        expect(inspectJson(holder, limit + 1, MAX_STORED_DEPTH)).toBe(expected);
      }),
      { numRuns: 300, seed: 8 },
    );
  });

  it('stops at the limit on a cyclic value', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(inspectJson(cyclic, Number.POSITIVE_INFINITY, MAX_STORED_DEPTH)).toBe('too_deep');
  });
});

describe('storableText', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps pairs', () => {
    expect(storableText('a\u0000b\ud800c\udc00d😀')).toBe('a\ufffdb\ufffdc\ufffdd😀');
    const clean = 'plain é😀';
    expect(storableText(clean)).toBe(clean);
  });
});

describe('capStepOutput', () => {
  it.each([
    ['a NUL in a string', { body: { items: [{ name: 'a\u0000' }] } }, /^Step "call" produced an output that cannot be stored: the string at body\.items\[0\]\.name holds a NUL character \(\\u0000\)/],
    ['a lone surrogate in a key', { body: { 'bad\ud800key': 1 } }, /: the key body\["bad\\ud800key"\] holds a lone UTF-16 surrogate/],
    ['nesting past the limit', { body: nested(MAX_STORED_DEPTH) }, /: it is nested deeper than 1000 levels/],
  ])('turns an output holding %s into a final output_unstorable failure saying where', (_name, output, message) => {
    const outcome = capStepOutput({ kind: 'succeeded', output, handle: null }, 'call', 1_000_000);
    expect(outcome).toEqual({ kind: 'failed', error: { code: 'output_unstorable', message: expect.stringMatching(message), retryable: false } });
    if (outcome.kind === 'failed') expect(storableText(outcome.error.message)).toBe(outcome.error.message);
  });


  it('turns an output over the limit into a final failure naming the node and the limit', () => {
    expect(capStepOutput({ kind: 'succeeded', output: 'x'.repeat(20), handle: null }, 'shape', 16)).toEqual({
      kind: 'failed',
      error: { code: 'output_too_large', message: expect.stringMatching(/^Step "shape" .* limit of 16 bytes as JSON \(SLUICE_MAX_STEP_OUTPUT\)$/), retryable: false },
    });
  });

  it('leaves outputs within the limit and failures alone', () => {
    const small = { kind: 'succeeded', output: 'x'.repeat(14), handle: 'yes' } as const;
    expect(capStepOutput(small, 'shape', 16)).toBe(small);
    const failed = { kind: 'failed', error: { code: 'expression', message: 'm', retryable: false } } as const;
    expect(capStepOutput(failed, 'shape', 0)).toBe(failed);
  });

  it('makes a failure\'s error storable, keeping the rest of it', () => {
    const failed = { kind: 'failed', error: { code: 'http_status', message: 'HTTP 503: {"a":"\u0000\ud800"}', status: 503, retryable: true }, retryAfterMs: 5 } as const;
    expect(capStepOutput(failed, 'call', 1000)).toEqual({ ...failed, error: { ...failed.error, message: 'HTTP 503: {"a":"\ufffd\ufffd"}' } });
  });
});

describe('step output limit in a run', () => {
  const graph = flowGraph([['t', 'trigger'], ['big', 'transform', { expression: '$pad("", input.n, "x")' }], ['e', 'end']], [['t', 'big'], ['big', 'e']]);

  it('fails an inline step whose output passes the flow\'s limit, without retries', async () => {
    const h = new RunHarness(compileFlow('flow-1', 1, graph, { maxStepOutputBytes: 1000 }));
    await h.start({ n: 5000 });
    expect(h.state.status).toBe('failed');
    expect(h.step('big')).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'output_too_large', retryable: false } });
    expect(h.step('big')?.output).toBeUndefined();
  });

  it('lets the same step through under the limit', async () => {
    const h = new RunHarness(compileFlow('flow-1', 1, graph, { maxStepOutputBytes: 1000 }));
    await h.start({ n: 500 });
    expect(h.state.status).toBe('succeeded');
  });
});

describe('unstorable step outputs in a run', () => {
  it('fails an inline step whose result holds NUL, without retries, and dead-letters it', async () => {
    const h = RunHarness.of(flowGraph([['t', 'trigger'], ['shape', 'transform', { expression: '{"a": "\\u0000"}' }], ['e', 'end']], [['t', 'shape'], ['shape', 'e']]));
    await h.start();
    expect(h.state.status).toBe('failed');
    expect(h.step('shape')).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'output_unstorable', retryable: false } });
    expect(h.step('shape')?.output).toBeUndefined();
    expect(h.commands('deadLetter')).toHaveLength(1);
  });

  it('fails an http step once on a response holding a lone surrogate, and follows its error edge', async () => {
    const h = RunHarness.of(flowGraph(
      [['t', 'trigger'], ['call', 'http', { url: 'https://x.test', method: 'GET', retry: { maxAttempts: 5 } }], ['ok', 'end'], ['handled', 'end']],
      [['t', 'call'], ['call', 'ok'], ['call', 'handled', 'error']],
    ));
    await h.start();
    await h.deliver('call', 1, httpResponse(200, { a: '\ud800' }));
    expect(h.types()).toEqual(['StepStarted:call', 'StepFailed:call', 'StepSkipped:ok', 'StepScheduled:handled', 'StepStarted:handled', 'StepSucceeded:handled', 'RunSucceeded']);
    expect(h.step('call')).toMatchObject({ status: 'failed', caught: true, attempts: 1, error: { code: 'output_unstorable' } });
    expect(h.commands('schedule')).toEqual([]);
  });
});
