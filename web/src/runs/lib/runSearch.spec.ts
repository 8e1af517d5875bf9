import type { FlowGraph } from '@sluice/contracts';
import { parseRunSearch, searchKeyNames } from './runSearch';

describe('parseRunSearch', () => {
  const setup = (text: string) => parseRunSearch(text, ['orderId', 'email']);

  it('looks a declared key up from name=value', () => {
    expect(setup('orderId=A-17')).toEqual({ kind: 'key', name: 'orderId', value: 'A-17' });
    expect(setup('  email=ada@example.com ')).toEqual({ kind: 'key', name: 'email', value: 'ada@example.com' });
    expect(setup('orderId=a=b')).toEqual({ kind: 'key', name: 'orderId', value: 'a=b' });
    expect(setup('orderId=')).toEqual({ kind: 'key', name: 'orderId', value: '' });
  });

  it('reads a value in double quotes as that JSON string', () => {
    expect(setup('orderId="A-17"')).toEqual({ kind: 'key', name: 'orderId', value: 'A-17' });
    expect(setup('orderId="a\\"b"')).toEqual({ kind: 'key', name: 'orderId', value: 'a"b' });
    expect(setup('orderId="unclosed')).toEqual({ kind: 'key', name: 'orderId', value: '"unclosed' });
  });

  it('sends anything else as a JSONata predicate over the payload', () => {
    expect(setup('orderId = "A-17"')).toEqual({ kind: 'q', q: 'orderId = "A-17"' });
    expect(setup('customerId=C-1')).toEqual({ kind: 'q', q: 'customerId=C-1' });
    expect(setup('amount > 100')).toEqual({ kind: 'q', q: 'amount > 100' });
    expect(parseRunSearch('orderId=A-17', [])).toEqual({ kind: 'q', q: 'orderId=A-17' });
  });

  it('is no search for blank text', () => {
    expect(setup('')).toBeUndefined();
    expect(setup('   ')).toBeUndefined();
  });
});

describe('searchKeyNames', () => {
  const graph = (data: Record<string, unknown>, type = 'trigger'): FlowGraph => ({
    nodes: [{ id: 'in', type, position: { x: 0, y: 0 }, data }, { id: 'done', type: 'end', position: { x: 0, y: 0 }, data: {} }],
    edges: [],
  });

  it('reads the names the entry node declares', () => {
    expect(searchKeyNames(graph({ searchKeys: [{ name: 'orderId', expression: 'orderId' }, { name: 'email', expression: 'e' }] }))).toEqual(['orderId', 'email']);
    expect(searchKeyNames(graph({ topic: 'a.b', searchKeys: [{ name: 'sku', expression: 'sku' }] }, 'subscribe'))).toEqual(['sku']);
  });

  it('finds none without a graph, without keys, or with keys that are not objects with names', () => {
    expect(searchKeyNames(undefined)).toEqual([]);
    expect(searchKeyNames(graph({}))).toEqual([]);
    expect(searchKeyNames(graph({ searchKeys: 'orderId' }))).toEqual([]);
    expect(searchKeyNames(graph({ searchKeys: ['orderId', { expression: 'x' }, { name: '' }] }))).toEqual([]);
  });
});
