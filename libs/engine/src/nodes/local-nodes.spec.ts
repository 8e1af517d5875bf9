import type { FlowNode } from '@sluice/contracts';
import { filterNode } from './filter.node';
import type { NodeDefinition, StepOutcome } from './node-definition';
import { transformNode } from './transform.node';

describe('local node behaviour', () => {
  const setup = (definition: NodeDefinition, data: Record<string, unknown>, input: unknown = { amount: 150 }) => {
    const node: FlowNode = { id: 'n', type: definition.type, position: { x: 0, y: 0 }, data };
    const behaviour = definition.behaviour;
    if (behaviour.kind !== 'local') throw new Error('not a local node');
    return behaviour.run({ runId: 'run-1', node, input, scope: { event: { amount: 150 }, steps: { prev: 'P' }, input } }) as Promise<StepOutcome>;
  };

  it.each([
    ['event.amount > 100', 'yes'],
    ['event.amount > 1000', 'no'],
    ['event.nothing', 'no'],
    ['[]', 'no'],
    ['""', 'no'],
    ['"x"', 'yes'],
    ['{ "a": 1 }', 'yes'],
  ])('filter %s leaves by %s and passes its input through', async (condition, handle) => {
    await expect(setup(filterNode, { condition })).resolves.toEqual({ kind: 'succeeded', output: { amount: 150 }, handle });
  });

  it('filter fails finally when its condition throws', async () => {
    await expect(setup(filterNode, { condition: '$error("bad")' })).resolves.toEqual({
      kind: 'failed', error: { code: 'expression', message: expect.stringContaining('condition: bad'), retryable: false },
    });
  });

  it('transform outputs the expression result, null when it yields nothing', async () => {
    await expect(setup(transformNode, { expression: '{ "big": input.amount, "prev": steps.prev }' })).resolves.toEqual({
      kind: 'succeeded', output: { big: 150, prev: 'P' }, handle: null,
    });
    await expect(setup(transformNode, { expression: 'input.none' })).resolves.toMatchObject({ output: null });
  });

  it('transform fails finally when its expression throws', async () => {
    await expect(setup(transformNode, { expression: '$error("x")' })).resolves.toMatchObject({ kind: 'failed', error: { retryable: false } });
  });
});
