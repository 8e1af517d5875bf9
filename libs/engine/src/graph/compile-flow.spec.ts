import { flowGraph } from '../testing/graph-builder';
import { checkTriggerPayload, compileFlow, InvalidFlowError } from './compile-flow';

describe('compileFlow', () => {
  const setup = (schema?: Record<string, unknown>) =>
    compileFlow(
      'flow-1',
      3,
      flowGraph(
        [
          ['t', 'trigger', schema ? { schema } : {}],
          ['f', 'filter', { condition: 'true' }],
          ['a', 'http', { url: 'https://x.test', method: 'GET', retry: { maxAttempts: 2 } }],
          ['b', 'end'],
          ['c', 'end'],
        ],
        [['t', 'f'], ['f', 'a', 'yes'], ['f', 'b', 'yes'], ['f', 'c', 'no']],
      ),
    );

  it('indexes nodes, the entry and the flow identity', () => {
    const flow = setup();
    expect(flow).toMatchObject({ flowId: 'flow-1', version: 3 });
    expect(flow.entry.id).toBe('t');
    expect(flow.node('a')?.type).toBe('http');
    expect(flow.node('zz')).toBeUndefined();
  });

  it('lists outgoing edges per handle, null being the default handle', () => {
    const flow = setup();
    expect(flow.outgoing('f', 'yes').map((edge) => edge.target)).toEqual(['a', 'b']);
    expect(flow.outgoing('f', 'no').map((edge) => edge.target)).toEqual(['c']);
    expect(flow.outgoing('t', null).map((edge) => edge.target)).toEqual(['f']);
    expect(flow.outgoing('f', null)).toEqual([]);
    expect(flow.outgoingAll('f')).toHaveLength(3);
    expect(flow.incoming('a').map((edge) => edge.source)).toEqual(['f']);
  });

  it('resolves each node retry policy over the defaults', () => {
    const flow = setup();
    expect(flow.retryPolicy('a').maxAttempts).toBe(2);
    expect(flow.retryPolicy('b').maxAttempts).toBe(5);
    expect(flow.definition('f').outHandles).toEqual(['yes', 'no', 'error']);
    expect(() => flow.retryPolicy('zz')).toThrow(/no node "zz"/);
  });

  it('throws InvalidFlowError listing the problems', () => {
    const compile = () => compileFlow('f', 1, flowGraph([['e', 'end']], []));
    expect(compile).toThrow(InvalidFlowError);
    expect(compile).toThrow(/needs an entry node/);
  });
});

describe('checkTriggerPayload', () => {
  const setup = (schema?: Record<string, unknown>) =>
    compileFlow('flow-1', 1, flowGraph([['t', 'trigger', schema ? { schema } : {}], ['e', 'end']], [['t', 'e']]));

  it('accepts anything without a schema', () => {
    expect(checkTriggerPayload(setup(), 'whatever')).toEqual([]);
  });

  it('validates the payload against the trigger schema', () => {
    const flow = setup({ type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } });
    expect(checkTriggerPayload(flow, { amount: 3 })).toEqual([]);
    expect(checkTriggerPayload(flow, { amount: 'x' })).toEqual(['/amount must be number']);
    expect(checkTriggerPayload(flow, {})).toEqual(["(payload) must have required property 'amount'"]);
  });
});

describe('checkTriggerPayload across flow versions', () => {
  it('accepts a changed schema that reuses the same $id', () => {
    const version = (minimum: number) =>
      compileFlow('flow-1', minimum, flowGraph([['t', 'trigger', { schema: { $id: 'https://sluice.test/order.json', type: 'number', minimum } }], ['e', 'end']], [['t', 'e']]));
    expect(checkTriggerPayload(version(1), 5)).toEqual([]);
    expect(checkTriggerPayload(version(10), 5)).toEqual(['(payload) must be >= 10']);
  });
});
