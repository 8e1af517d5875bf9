import type { FlowNode } from '@sluice/contracts';
import { filterNode } from './filter.node';
import { httpNode } from './http.node';
import type { NodeDefinition, RequestOutcome, StepOutcome } from './node-definition';
import { transformNode } from './transform.node';

/** Expression limits as a step sees them: a final failure that names the node, the field and the limit. */
describe('nodes whose expression passes a limit', () => {
  const setup = (definition: NodeDefinition, data: Record<string, unknown>) => {
    const node: FlowNode = { id: 'shape', type: definition.type, position: { x: 0, y: 0 }, data };
    const ctx = { runId: 'run-1', node, input: { amount: 150 }, scope: { event: { amount: 150, text: 'a'.repeat(40) }, steps: {}, input: { amount: 150 } } };
    const behaviour = definition.behaviour;
    return {
      run: (): Promise<StepOutcome> => {
        if (behaviour.kind !== 'local') throw new Error('not a local node');
        return behaviour.run(ctx);
      },
      request: (): Promise<RequestOutcome> => {
        if (behaviour.kind !== 'http') throw new Error('not an http node');
        return behaviour.request(ctx);
      },
    };
  };

  it('a transform that builds too many items fails without retries, naming node and limit', async () => {
    await expect(setup(transformNode, { expression: '$count([1..10000000])' }).run()).resolves.toEqual({
      kind: 'failed',
      error: { code: 'expression', message: 'Node "shape" (transform) expression: produced more than 100,000 items', retryable: false },
    });
  });

  it('a transform that runs too long fails without retries, naming the time limit', async () => {
    await expect(setup(transformNode, { expression: '[1..100000]^($)' }).run()).resolves.toEqual({
      kind: 'failed',
      error: { code: 'expression', message: 'Node "shape" (transform) expression: exceeded the 1,000 ms time limit', retryable: false },
    });
  });

  it('a transform that sorts 100,000 items simply succeeds', async () => {
    await expect(setup(transformNode, { expression: '$count($sort($reverse([1..100000])))' }).run()).resolves.toMatchObject({ kind: 'succeeded', output: 100000 });
  });

  it('a filter with a catastrophic regex answers at once', async () => {
    const started = Date.now();
    await expect(setup(filterNode, { condition: '$contains(event.text & "!", /(a+)+$/)' }).run()).resolves.toMatchObject({ kind: 'succeeded', handle: 'no' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a filter whose condition passes the memory limit fails without retries', async () => {
    await expect(setup(filterNode, { condition: '$count([1..1000].[[1..100000]]) > 0' }).run()).resolves.toEqual({
      kind: 'failed',
      error: { code: 'expression', message: 'Node "shape" (filter) condition: exceeded the 32 MiB memory limit', retryable: false },
    });
  });

  it('an http body that passes the string cap fails before any request', async () => {
    const outcome = await setup(httpNode, { url: 'https://example.test/', method: 'POST', body: '{ "pad": $pad("", 100000000) }' }).request();
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'expression', message: 'Node "shape" (http) body: produced a string longer than 1,048,576 characters', retryable: false },
    });
  });
});
