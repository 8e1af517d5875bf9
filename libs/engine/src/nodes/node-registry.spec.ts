import { NODE_TYPES } from '@sluice/contracts';
import { isInlineNode, nodeDefinition } from './node-registry';

describe('node registry', () => {
  const setup = () => Object.fromEntries(NODE_TYPES.map((type) => [type, nodeDefinition(type)]));

  it('defines every node type of the flow model', () => {
    const definitions = setup();
    for (const type of NODE_TYPES) expect(definitions[type]?.type).toBe(type);
    expect(nodeDefinition('webhook')).toBeUndefined();
  });

  it('runs pure nodes inline and dispatches effectful ones', () => {
    expect(NODE_TYPES.filter(isInlineNode)).toEqual(['trigger', 'subscribe', 'filter', 'transform', 'ignore', 'end']);
    expect(isInlineNode('mystery')).toBe(false);
  });

  it('declares the out handles of each type', () => {
    const definitions = setup();
    expect(Object.fromEntries(NODE_TYPES.map((type) => [type, definitions[type]?.outHandles]))).toEqual({
      trigger: [null], subscribe: [null], filter: ['yes', 'no', 'error'], transform: [null, 'error'],
      publish: [null], http: [null, 'error'], delay: [null], ignore: [], end: [],
    });
  });

  it('marks only trigger and subscribe as entries', () => {
    expect(NODE_TYPES.filter((type) => nodeDefinition(type)?.entry)).toEqual(['trigger', 'subscribe']);
  });
});
