import { evaluateExpression } from '../expressions/evaluate-expression';
import { isTruthy } from '../expressions/truthiness';
import { expressionField } from './field-checks';
import { expressionError, type NodeDefinition } from './node-definition';

/**
 * "Is it significant?": passes its input on through `yes` when the condition
 * is truthy, else through `no` (an undefined result counts as no). A condition
 * that fails to evaluate fails the step, which an `error` edge may catch.
 */
export const filterNode: NodeDefinition = {
  type: 'filter',
  entry: false,
  inline: true,
  outHandles: ['yes', 'no', 'error'],
  validate: (data) => expressionField(data, 'condition', 'a condition', true),
  behaviour: {
    kind: 'local',
    async run(ctx) {
      const result = await evaluateExpression(String(ctx.node.data['condition']), ctx.scope);
      if (!result.ok) return { kind: 'failed', error: expressionError(`Node "${ctx.node.id}" (filter) condition`, result.error) };
      return { kind: 'succeeded', output: ctx.input, handle: isTruthy(result.value) ? 'yes' : 'no' };
    },
  },
};
