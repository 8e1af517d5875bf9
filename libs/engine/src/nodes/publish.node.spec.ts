import type { FlowNode } from '@sluice/contracts';
import type { PublishAdmission } from '../run/publish-chain';
import { publishNode } from './publish.node';

describe('publish node', () => {
  const setup = (admission: PublishAdmission) => {
    const node: FlowNode = { id: 'n', type: 'publish', position: { x: 0, y: 0 }, data: { topic: 'orders.big' } };
    const behaviour = publishNode.behaviour;
    if (behaviour.kind !== 'publish') throw new Error('not a publish node');
    return behaviour.run({ runId: 'run-1', node, input: { id: 1 }, scope: { event: {}, steps: {}, input: { id: 1 } } }, admission);
  };

  it('outputs { topic, eventId } and asks to publish its input when admitted', () => {
    expect(setup({ kind: 'publish', granted: true })).toEqual({
      kind: 'succeeded', output: { topic: 'orders.big', eventId: 'run-1:n' }, handle: null, publish: { topic: 'orders.big', payload: { id: 1 } },
    });
  });

  it('fails with the refusal\'s error when not admitted', () => {
    const error = { code: 'publish_budget', message: 'too many', retryable: false };
    expect(setup({ kind: 'publish', granted: false, error })).toEqual({ kind: 'failed', error });
  });
});
