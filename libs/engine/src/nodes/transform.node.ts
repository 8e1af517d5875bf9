import { evaluateExpression } from '../expressions/evaluate-expression';
import { expressionField } from './field-checks';
import { expressionError, type NodeDefinition } from './node-definition';

/** Shapes the event: its output is the expression's result (null when the expression yields nothing). */
export const transformNode: NodeDefinition = {
  type: 'transform',
  entry: false,
  inline: true,
  outHandles: [null, 'error'],
  validate: (data) => expressionField(data, 'expression', 'an expression', true),
  behaviour: {
    kind: 'local',
    async run(ctx) {
      const result = await evaluateExpression(String(ctx.node.data['expression']), ctx.scope);
      if (!result.ok) return { kind: 'failed', error: expressionError(`Node "${ctx.node.id}" (transform) expression`, result.error) };
      return { kind: 'succeeded', output: result.value ?? null, handle: null };
    },
  },
};
