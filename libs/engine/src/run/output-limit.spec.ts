import fc from 'fast-check';
import { flowGraph } from '../testing/graph-builder';
import { RunHarness } from '../testing/run-harness';
import { compileFlow } from '../graph/compile-flow';
import { capStepOutput, jsonLongerThan } from './output-limit';

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

describe('capStepOutput', () => {
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
