import type { GraphError } from '@sluice/contracts';
import { type EdgeSpec, flowGraph, type NodeSpec } from '../testing/graph-builder';
import { checkGraphLimits, GRAPH_LIMITS } from './graph-limits';
import { validateGraph } from './validate-graph';

/** trigger → one node under test → end. */
function setup(data: Record<string, unknown>, type = 'transform', id = 'x') {
  const nodes: NodeSpec[] = [['t', 'trigger'], [id, type, data], ['e', 'end']];
  const edges: EdgeSpec[] = [['t', id], [id, 'e']];
  const result = validateGraph(flowGraph(nodes, edges));
  const find = (pattern: RegExp): GraphError | undefined => result.errors.find((error) => pattern.test(error.message));
  return { result, find };
}

/** trigger → transform × (count − 2) → end. */
function chain(count: number) {
  const nodes: NodeSpec[] = [['n0', 'trigger'], ...Array.from({ length: count - 2 }, (_, i): NodeSpec => [`n${i + 1}`, 'transform', { expression: 'event' }]), [`n${count - 1}`, 'end']];
  return flowGraph(nodes, nodes.slice(1).map(([id], i): EdgeSpec => [`n${i}`, id]));
}

describe('graph limits', () => {
  it('accepts a graph of exactly 500 nodes and refuses 501 without validating further', () => {
    expect(validateGraph(chain(GRAPH_LIMITS.maxNodes)).errors).toEqual([]);
    expect(validateGraph(chain(GRAPH_LIMITS.maxNodes + 1)).errors).toEqual([{ message: 'Graph has 501 nodes; a flow may have at most 500' }]);
  });

  it('refuses more than 2,000 edges', () => {
    const graph = chain(3);
    const edges = Array.from({ length: GRAPH_LIMITS.maxEdges + 1 }, (_, i) => ({ id: `e${i}`, source: 'n0', target: 'n1' }));
    expect(validateGraph({ ...graph, edges }).errors).toEqual([{ message: 'Graph has 2001 edges; a flow may have at most 2000' }]);
  });

  it.each([
    ['expression', { expression: `"${'a'.repeat(10_000)}"` }, 'transform', /^Node "x" \(transform\) expression is 10002 characters; at most 10000$/],
    ['condition', { condition: 'a'.repeat(10_001) }, 'filter', /condition is 10001 characters; at most 10000/],
    ['label', { expression: 'event', label: 'l'.repeat(201) }, 'transform', /label is 201 characters; at most 200/],
    ['url', { url: `https://example.com/${'u'.repeat(2048)}`, method: 'GET' }, 'http', /url is 2068 characters; at most 2048/],
    ['header count', { url: 'https://example.com/', method: 'GET', headers: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-${i}`, 'v'])) }, 'http', /has 101 headers; at most 100/],
    ['header name', { url: 'https://example.com/', method: 'GET', headers: { ['h'.repeat(257)]: 'v' } }, 'http', /header name "h{40}…" is 257 characters; at most 256/],
    ['header value', { url: 'https://example.com/', method: 'GET', headers: { 'x-a': 'v'.repeat(8193) } }, 'http', /header "x-a" has a value of 8193 characters; at most 8192/],
    ['reason', { reason: 'r'.repeat(1001) }, 'ignore', /reason is 1001 characters; at most 1000/],
    ['a string deep in a schema', { schema: { type: 'object', description: 'd'.repeat(10_001) } }, 'trigger', /schema\.description is 10001 characters; at most 10000/],
    ['a key in a schema', { schema: { type: 'object', properties: { ['k'.repeat(257)]: { type: 'string' } } } }, 'trigger', /has a key "k{40}…" in schema\.properties of 257 characters; at most 256/],
  ])('refuses a long %s, naming the node, once', (_name, data, type, pattern) => {
    const id = type === 'trigger' ? 't' : 'x';
    const nodes: NodeSpec[] = type === 'trigger'
      ? [['t', 'trigger', data], ['e', 'end']]
      : type === 'ignore' ? [['t', 'trigger'], ['x', 'ignore', data]] : [['t', 'trigger'], ['x', type, data], ['e', 'end']];
    const edges: EdgeSpec[] = type === 'trigger' ? [['t', 'e']] : type === 'ignore' ? [['t', 'x']] : [['t', 'x'], ['x', 'e']];
    const errors = validateGraph(flowGraph(nodes, edges)).errors.filter((error) => pattern.test(error.message));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.nodeId).toBe(id);
  });

  it('accepts strings at their limits, and surrogate pairs', () => {
    expect(setup({ expression: `"${'a'.repeat(9998)}"`, label: 'l'.repeat(200), note: '😀\ud83d\ude00' }).result.errors).toEqual([]);
  });

  it('refuses an over-long node id by index, without echoing it in full', () => {
    const long = 'n'.repeat(GRAPH_LIMITS.maxIdLength + 1);
    const errors: GraphError[] = [];
    checkGraphLimits([{ id: long, type: 'end' }], [], errors);
    expect(errors).toEqual([{ message: 'Node at index 0 id is 101 characters; at most 100' }]);
  });

  it('refuses over-long node types, edge ids and handles, naming them', () => {
    const errors: GraphError[] = [];
    checkGraphLimits(
      [{ id: 'a', type: 't'.repeat(101) }],
      [{ id: 'e1', source: 'a', target: 'b', sourceHandle: 'h'.repeat(101) }, { id: 'i'.repeat(101), source: 'a', target: 'b' }],
      errors,
    );
    expect(errors).toEqual([
      { nodeId: 'a', message: 'Node "a" type is 101 characters; at most 100' },
      { edgeId: 'e1', message: 'Edge "e1" sourceHandle is 101 characters; at most 100' },
      { message: 'Edge at index 1 id is 101 characters; at most 100' },
    ]);
  });

  it.each([
    ['a data string', { expression: 'event', label: 'a\u0000b' }, /label holds a NUL character/],
    ['a data key', { expression: 'event', ['k\u0000']: 1 }, /has a key "k\\u0000" holding a NUL character/],
    ['a string in an array', { expression: 'event', tags: ['ok', '\u0000'] }, /tags\[1\] holds a NUL character/],
    ['a lone high surrogate', { expression: 'event', label: 'a\ud800' }, /label holds a lone UTF-16 surrogate/],
    ['a lone low surrogate in a key', { expression: 'event', ['\udc00k']: 1 }, /has a key "\\udc00k" holding a lone UTF-16 surrogate/],
  ])('refuses NUL or a lone surrogate in %s, naming the node', (_name, data, pattern) => {
    const hit = setup(data).find(pattern);
    expect(hit?.nodeId).toBe('x');
  });

  it('refuses NUL in a node id and an edge end', () => {
    const errors: GraphError[] = [];
    checkGraphLimits([{ id: 'a\u0000', type: 'end' }], [{ id: 'e', source: 'a\u0000', target: 'b' }], errors);
    expect(errors).toEqual([
      { message: 'Node at index 0 id holds a NUL character (\\u0000)' },
      { edgeId: 'e', message: 'Edge "e" source holds a NUL character (\\u0000)' },
    ]);
  });

  it('walks data nested far deeper than the stack would allow recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(setup({ expression: 'event', deep }).find(/holds a NUL character/)?.nodeId).toBe('x');
  });
});
