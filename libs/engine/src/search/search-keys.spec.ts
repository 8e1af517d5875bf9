import type { GraphError } from '@sluice/contracts';
import { validateGraph } from '../graph/validate-graph';
import { flowGraph, type NodeSpec } from '../testing/graph-builder';
import { checkSearchKeys, declaredSearchKeys } from './search-keys';

describe('search key declarations', () => {
  /** Validates a two-node flow whose entry (trigger or subscribe) declares `searchKeys`. */
  const setup = (searchKeys: unknown, entry: NodeSpec = ['t', 'trigger']) => {
    const [id, type, data] = entry;
    const result = validateGraph(flowGraph([[id, type, { ...data, searchKeys }], ['e', 'end']], [[id, 'e']]));
    return { result, messages: result.errors.map((error: GraphError) => error.message) };
  };

  it('accepts up to five keys with unique names and expressions that parse, on a trigger or a subscribe node', () => {
    const keys = ['orderId', 'customer_email', '_tag', 'A1', 'z'].map((name) => ({ name, expression: 'customer.email' }));
    expect(setup(keys).result.errors).toEqual([]);
    expect(setup(keys, ['s', 'subscribe', { topic: 'orders.*' }]).result.errors).toEqual([]);
    expect(setup(undefined).result.errors).toEqual([]);
    expect(setup([]).result.errors).toEqual([]);
  });

  it('refuses more than five keys, naming the entry node', () => {
    const keys = Array.from({ length: 6 }, (_, index) => ({ name: `k${index}`, expression: 'id' }));
    const { result } = setup(keys);
    expect(result.errors).toEqual([{ nodeId: 't', message: 'Node "t" (trigger) declares 6 search keys; at most 5' }]);
  });

  it('refuses names that are not identifiers of at most 64 characters, and repeated names', () => {
    const { messages } = setup([
      { name: 'order-id', expression: 'id' },
      { name: '1st', expression: 'id' },
      { name: 'a'.repeat(65), expression: 'id' },
      { name: '', expression: 'id' },
      { name: 7, expression: 'id' },
    ]);
    expect(messages).toEqual([
      'Node "t" (trigger) searchKeys[0] name "order-id" must start with a letter or _, and hold only letters, digits and _ (at most 64 characters)',
      'Node "t" (trigger) searchKeys[1] name "1st" must start with a letter or _, and hold only letters, digits and _ (at most 64 characters)',
      expect.stringMatching(/^Node "t" \(trigger\) searchKeys\[2\] name "a{65}" must start with a letter/),
      'Node "t" (trigger) searchKeys[3] name "" must start with a letter or _, and hold only letters, digits and _ (at most 64 characters)',
      'Node "t" (trigger) searchKeys[4] name must start with a letter or _, and hold only letters, digits and _ (at most 64 characters)',
    ]);
    expect(setup([{ name: 'orderId', expression: 'id' }, { name: 'orderId', expression: 'other' }]).messages).toEqual([
      'Node "t" (trigger) searchKeys[1] name "orderId" is used by another search key',
    ]);
    expect(setup([{ name: 'a'.repeat(64), expression: 'id' }]).messages).toEqual([]);
  });

  it('refuses a missing or unparsable expression, naming the key', () => {
    const { messages } = setup([{ name: 'a' }, { name: 'b', expression: '  ' }, { name: 'c', expression: 'orderId = ' }, { name: 'd', expression: '$match(x, /(a)\\1/)' }]);
    expect(messages).toEqual([
      'Node "t" (trigger) searchKeys[0] (a) needs an expression',
      'Node "t" (trigger) searchKeys[1] (b) needs an expression',
      expect.stringMatching(/^Node "t" \(trigger\) searchKeys\[2\] \(c\) expression is not valid JSONata: /),
      expect.stringMatching(/^Node "t" \(trigger\) searchKeys\[3\] \(d\) expression is not valid JSONata: /),
    ]);
  });

  it('holds an expression to the expression length limit, reported once', () => {
    const { messages } = setup([{ name: 'long', expression: `a${' '.repeat(10_000)}` }]);
    expect(messages).toEqual(['Node "t" (trigger) searchKeys[0].expression is 10001 characters; at most 10000']);
  });

  it('refuses a searchKeys that is not an array of objects', () => {
    expect(setup('orderId').messages).toEqual(['Node "t" (trigger) searchKeys must be an array of { name, expression } objects']);
    expect(setup(['orderId']).messages).toEqual(['Node "t" (trigger) searchKeys[0] must be an object with a name and an expression']);
  });

  it('reports a subscribe node\'s key problems beside its topic problems', () => {
    const { messages } = setup([{ name: 'x y', expression: 'id' }], ['s', 'subscribe', {}]);
    expect(messages).toEqual([
      'Node "s" (subscribe) needs a topic pattern',
      expect.stringMatching(/^Node "s" \(subscribe\) searchKeys\[0\] name "x y" must start/),
    ]);
  });

  it('checks nothing when absent', () => {
    expect(checkSearchKeys(undefined)).toEqual([]);
  });

  it('reads the declared keys of an entry node, and none when it declares none', () => {
    const declared = [{ name: 'orderId', expression: 'orderId' }, { name: 'email', expression: 'customer.email' }];
    expect(declaredSearchKeys({ id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: { searchKeys: declared } })).toEqual(declared);
    expect(declaredSearchKeys({ id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: {} })).toEqual([]);
  });
});
