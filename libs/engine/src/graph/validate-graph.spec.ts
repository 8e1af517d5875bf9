import type { GraphError } from '@sluice/contracts';
import { type EdgeSpec, flowGraph, type NodeSpec } from '../testing/graph-builder';
import { validateGraph } from './validate-graph';

/** The flowchart Sluice was born from (README.md): trigger → filter → publish, with a `no` branch to ignore. */
const BASE_NODES: NodeSpec[] = [
  ['t', 'trigger'],
  ['f', 'filter', { condition: 'event.amount > 100' }],
  ['p', 'publish', { topic: 'orders.significant' }],
  ['i', 'ignore', { reason: 'small' }],
];
const BASE_EDGES: EdgeSpec[] = [['t', 'f'], ['f', 'p', 'yes'], ['f', 'i', 'no']];

describe('validateGraph', () => {
  const setup = (nodes: NodeSpec[] = BASE_NODES, edges: EdgeSpec[] = BASE_EDGES) => {
    const result = validateGraph(flowGraph(nodes, edges));
    const messages = result.errors.map((error) => error.message);
    const find = (fragment: string): GraphError | undefined => result.errors.find((error) => error.message.includes(fragment));
    return { result, messages, find };
  };
  const withNode = (node: NodeSpec, edge: EdgeSpec = ['p', node[0]]) => setup([...BASE_NODES, node], [...BASE_EDGES, edge]);

  it('accepts a valid flow', () => {
    expect(setup().result).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('accepts every node type configured correctly', () => {
    const { result } = setup(
      [
        ['s', 'subscribe', { topic: 'orders.#' }],
        ['x', 'transform', { expression: '{ "id": event.id }' }],
        ['h', 'http', { url: 'https://example.com/hook', method: 'POST', body: 'input', headers: { 'x-a': 'b' }, timeoutMs: 5000, retry: { maxAttempts: 3 } }],
        ['d', 'delay', { ms: 1000 }],
        ['e', 'end'],
        ['c', 'end'],
      ],
      [['s', 'x'], ['x', 'h'], ['h', 'd'], ['d', 'e'], ['h', 'c', 'error']],
    );
    expect(result.errors).toEqual([]);
  });

  describe('shape of untrusted input', () => {
    it.each([null, 42, 'graph', []])('rejects %j as not an object', (graph) => {
      expect(validateGraph(graph)).toEqual({ valid: false, errors: [{ message: expect.stringContaining('must be an object') }], warnings: [] });
    });

    it('rejects nodes or edges that are not arrays', () => {
      const result = validateGraph({ nodes: {}, edges: 'x' });
      expect(result.errors.map((error) => error.message)).toEqual(['Graph "nodes" must be an array', 'Graph "edges" must be an array']);
    });

    it('rejects nodes and edges that are not objects or lack ids', () => {
      const result = validateGraph({ nodes: [...flowGraph(BASE_NODES, []).nodes, 7, { type: 'end' }], edges: [...flowGraph([], BASE_EDGES).edges, 'e', { source: 't', target: 'f' }] });
      const messages = result.errors.map((error) => error.message);
      expect(messages).toEqual(expect.arrayContaining([
        'Node at index 4 must be an object',
        'Node at index 5 needs a non-empty string id',
        'Edge at index 3 must be an object',
        'Edge at index 4 needs a non-empty string id',
      ]));
    });

    it('rejects a node whose data is not an object', () => {
      const graph = flowGraph(BASE_NODES, BASE_EDGES);
      (graph.nodes[3] as { data: unknown }).data = 'x';
      expect(validateGraph(graph).errors).toEqual([{ nodeId: 'i', message: 'Node "i" (ignore) data must be an object' }]);
    });

    it('rejects an edge without source or target ids', () => {
      const result = validateGraph({ nodes: flowGraph(BASE_NODES, []).nodes, edges: [...flowGraph([], BASE_EDGES).edges, { id: 'bad', source: 1 }] });
      expect(result.errors.filter((error) => error.edgeId === 'bad').map((error) => error.message)).toEqual([
        'Edge "bad" needs a source node id',
        'Edge "bad" needs a target node id',
      ]);
    });

    it('rejects a sourceHandle that is not a string', () => {
      const graph = flowGraph(BASE_NODES, BASE_EDGES);
      (graph.edges[0] as { sourceHandle: unknown }).sourceHandle = 3;
      expect(validateGraph(graph).errors).toEqual([{ edgeId: 't-f', message: 'Edge "t-f" sourceHandle must be a string or null' }]);
    });
  });

  it('rejects duplicate node ids', () => {
    const { result } = setup([...BASE_NODES, ['i', 'end']]);
    expect(result.errors).toContainEqual({ nodeId: 'i', message: 'Node id "i" is used by more than one node' });
  });

  it('rejects duplicate edge ids', () => {
    const { result } = setup(BASE_NODES, [...BASE_EDGES, ['t', 'f']]);
    expect(result.errors).toContainEqual({ edgeId: 't-f', message: 'Edge id "t-f" is used by more than one edge' });
  });

  it('rejects a flow without an entry node', () => {
    const { result } = setup([['e', 'end']], []);
    expect(result.errors).toEqual([{ message: 'Flow needs an entry node (trigger or subscribe); it has none' }]);
  });

  it('rejects several entry nodes, naming each', () => {
    const { result } = setup([...BASE_NODES, ['s', 'subscribe', { topic: 'a.b' }]], [...BASE_EDGES, ['s', 'f']]);
    expect(result.errors).toEqual([
      { nodeId: 't', message: 'Node "t" (trigger) is one of 2 entry nodes; a flow needs exactly one' },
      { nodeId: 's', message: 'Node "s" (subscribe) is one of 2 entry nodes; a flow needs exactly one' },
    ]);
  });

  it('rejects unknown node types and nodes without a type', () => {
    const { result } = setup([...BASE_NODES, ['w', 'webhook'], ['v', '']], [...BASE_EDGES, ['p', 'w'], ['p', 'v']]);
    expect(result.errors).toEqual([
      { nodeId: 'w', message: 'Node "w" has unknown type "webhook"' },
      { nodeId: 'v', message: 'Node "v" needs a type' },
    ]);
  });

  describe('required fields per type', () => {
    it.each<[NodeSpec, string]>([
      [['n', 'filter', {}], 'Node "n" (filter) needs a condition'],
      [['n', 'filter', { condition: '  ' }], 'Node "n" (filter) needs a condition'],
      [['n', 'filter', { condition: 5 }], 'Node "n" (filter) condition must be a string'],
      [['n', 'transform', {}], 'Node "n" (transform) needs an expression'],
      [['n', 'publish', {}], 'Node "n" (publish) needs a topic'],
      [['n', 'publish', { topic: 'orders.*' }], 'Node "n" (publish) topic "orders.*" must not contain wildcards (* or #)'],
      [['n', 'http', { method: 'GET' }], 'Node "n" (http) needs a url'],
      [['n', 'http', { url: 'ftp://x.test/a', method: 'GET' }], 'Node "n" (http) url "ftp://x.test/a" must be an absolute http or https URL'],
      [['n', 'http', { url: '/relative', method: 'GET' }], 'Node "n" (http) url "/relative" must be an absolute http or https URL'],
      [['n', 'http', { url: 'https://x.test' }], 'Node "n" (http) needs a method'],
      [['n', 'http', { url: 'https://x.test', method: 'FETCH' }], 'Node "n" (http) method must be one of GET, POST, PUT, PATCH, DELETE'],
      [['n', 'http', { url: 'https://x.test', method: 'GET', timeoutMs: 0 }], 'Node "n" (http) timeoutMs must be an integer from 1 to 300000'],
      [['n', 'http', { url: 'https://x.test', method: 'GET', timeoutMs: 300001 }], 'Node "n" (http) timeoutMs must be an integer from 1 to 300000'],
      [['n', 'http', { url: 'https://x.test', method: 'GET', timeoutMs: 1.5 }], 'Node "n" (http) timeoutMs must be an integer from 1 to 300000'],
      [['n', 'http', { url: 'https://x.test', method: 'GET', headers: { a: 1 } }], 'Node "n" (http) every header value must be a string'],
      [['n', 'http', { url: 'https://x.test', method: 'GET', headers: [] }], 'Node "n" (http) headers must be an object of strings'],
      [['n', 'delay', {}], 'Node "n" (delay) needs a delay in ms'],
      [['n', 'delay', { ms: -1 }], 'Node "n" (delay) ms must be an integer from 0 to 2592000000'],
      [['n', 'delay', { ms: 2.5 }], 'Node "n" (delay) ms must be an integer from 0 to 2592000000'],
      [['n', 'ignore', { reason: 3 }], 'Node "n" (ignore) reason must be a string'],
    ])('%j → %s', (node, message) => {
      expect(withNode(node).result.errors).toEqual([{ nodeId: 'n', message }]);
    });

    it('accepts an http node without timeoutMs (defaults to 10000 ms)', () => {
      expect(withNode(['n', 'http', { url: 'http://localhost:8080/x', method: 'GET' }]).result.valid).toBe(true);
    });

    it('checks the subscribe topic pattern', () => {
      const missing = setup([['s', 'subscribe', {}], ['e', 'end']], [['s', 'e']]);
      expect(missing.result.errors).toEqual([{ nodeId: 's', message: 'Node "s" (subscribe) needs a topic pattern' }]);
      const bad = setup([['s', 'subscribe', { topic: 'orders..x' }], ['e', 'end']], [['s', 'e']]);
      expect(bad.result.errors).toEqual([{ nodeId: 's', message: expect.stringContaining('Node "s" (subscribe) topic pattern "orders..x" has an invalid word') }]);
    });

    it('checks the trigger JSON Schema', () => {
      const notObject = setup([['t', 'trigger', { schema: 'x' }], ['e', 'end']], [['t', 'e']]);
      expect(notObject.result.errors).toEqual([{ nodeId: 't', message: 'Node "t" (trigger) schema must be a JSON Schema object' }]);
      const invalid = setup([['t', 'trigger', { schema: { type: 'nope' } }], ['e', 'end']], [['t', 'e']]);
      expect(invalid.result.errors).toEqual([{ nodeId: 't', message: expect.stringContaining('Node "t" (trigger) schema is not a valid JSON Schema') }]);
    });

    it('checks retry policies on any node', () => {
      const { result } = withNode(['n', 'http', { url: 'https://x.test', method: 'GET', retry: { maxAttempts: 0 } }]);
      expect(result.errors).toEqual([{ nodeId: 'n', message: 'Node "n" (http) retry.maxAttempts must be an integer from 1 to 100' }]);
    });
  });

  describe('JSONata that does not parse', () => {
    it.each<[NodeSpec, string]>([
      [['n', 'filter', { condition: 'event.(' }], 'Node "n" (filter) condition is not valid JSONata'],
      [['n', 'transform', { expression: '{ "a": }' }], 'Node "n" (transform) expression is not valid JSONata'],
      [['n', 'http', { url: 'https://x.test', method: 'POST', body: '$$$(' }], 'Node "n" (http) body is not valid JSONata'],
    ])('%j', (node, prefix) => {
      const { result } = withNode(node);
      expect(result.errors).toEqual([{ nodeId: 'n', message: expect.stringContaining(prefix) }]);
    });
  });

  describe('edges', () => {
    it('rejects edges to and from unknown nodes', () => {
      const { result } = setup(BASE_NODES, [...BASE_EDGES, ['p', 'ghost'], ['phantom', 'i']]);
      expect(result.errors).toEqual([
        { edgeId: 'p-ghost', message: 'Edge "p-ghost" goes to unknown node "ghost"' },
        { edgeId: 'phantom-i', message: 'Edge "phantom-i" comes from unknown node "phantom"' },
      ]);
    });

    it('rejects a handle the source node does not have', () => {
      const { result } = setup(BASE_NODES, [['t', 'f'], ['f', 'p', 'maybe'], ['f', 'i', 'no']]);
      expect(result.errors).toEqual([
        { edgeId: 'f-p', message: 'Edge "f-p" leaves node "f" (filter) by handle "maybe", which it has "yes", "no", "error"' },
      ]);
    });

    it('rejects the default handle on a filter', () => {
      const { result } = setup(BASE_NODES, [['t', 'f'], ['f', 'p'], ['f', 'i', 'no']]);
      expect(result.errors.map((error) => error.edgeId)).toEqual(['f-p']);
    });

    it('rejects an error handle on nodes that cannot fail', () => {
      const { result } = setup([...BASE_NODES, ['e', 'end']], [...BASE_EDGES, ['p', 'e', 'error']]);
      expect(result.errors).toEqual([
        { edgeId: 'p-e', message: 'Edge "p-e" leaves node "p" (publish) by handle "error", which it has default' },
      ]);
    });

    it('rejects edges out of terminal nodes', () => {
      const { result } = setup([...BASE_NODES, ['e', 'end']], [...BASE_EDGES, ['i', 'e']]);
      expect(result.errors).toContainEqual({ edgeId: 'i-e', message: 'Edge "i-e" leaves node "i" (ignore) by handle default, which it has no outgoing handles' });
    });

    it('rejects edges into the entry node', () => {
      const { result } = setup(BASE_NODES, [...BASE_EDGES, ['p', 't']]);
      expect(result.errors).toContainEqual({ edgeId: 'p-t', message: 'Edge "p-t" goes into entry node "t" (trigger); entry nodes take no incoming edges' });
    });
  });

  it('rejects a cycle, naming an edge on it', () => {
    const { result } = setup(
      [['t', 'trigger'], ['a', 'transform', { expression: 'input' }], ['b', 'transform', { expression: 'input' }], ['c', 'end']],
      [['t', 'a'], ['a', 'b'], ['b', 'a'], ['b', 'c']],
    );
    expect(result.errors).toEqual([{ edgeId: 'b-a', message: 'Edge "b-a" (b → a) closes a cycle; flows must be acyclic' }]);
  });

  it('rejects a self-loop', () => {
    const { result } = setup([['t', 'trigger'], ['a', 'transform', { expression: 'input' }]], [['t', 'a'], ['a', 'a']]);
    expect(result.errors).toEqual([{ edgeId: 'a-a', message: 'Edge "a-a" (a → a) closes a cycle; flows must be acyclic' }]);
  });

  it('accepts a diamond (a merge is not a cycle)', () => {
    const { result } = setup(
      [['t', 'trigger'], ['f', 'filter', { condition: 'true' }], ['a', 'transform', { expression: '1' }], ['b', 'transform', { expression: '2' }], ['e', 'end']],
      [['t', 'f'], ['f', 'a', 'yes'], ['f', 'b', 'no'], ['a', 'e'], ['b', 'e']],
    );
    expect(result.valid).toBe(true);
  });

  it('rejects nodes unreachable from the entry', () => {
    const { result } = setup([...BASE_NODES, ['x', 'end'], ['y', 'transform', { expression: '1' }]], [...BASE_EDGES, ['y', 'x']]);
    expect(result.errors).toEqual([
      { nodeId: 'x', message: 'Node "x" (end) is not reachable from the entry node "t"' },
      { nodeId: 'y', message: 'Node "y" (transform) is not reachable from the entry node "t"' },
    ]);
  });

  it('collects several problems at once', () => {
    const { messages } = setup([['t', 'trigger'], ['f', 'filter', {}], ['x', 'mystery']], [['t', 'f'], ['f', 'q', 'yes']]);
    expect(messages).toEqual([
      'Node "f" (filter) needs a condition',
      'Node "x" has unknown type "mystery"',
      'Edge "f-q" goes to unknown node "q"',
      'Node "x" (mystery) is not reachable from the entry node "t"',
    ]);
  });

  describe('publishing to its own subscription', () => {
    const loop = (publishTopics: string[], pattern = 'loop') =>
      setup(
        [['s', 'subscribe', { topic: pattern }], ...publishTopics.map((topic, index): NodeSpec => [`p${index + 1}`, 'publish', { topic }])],
        publishTopics.map((_, index): EdgeSpec => ['s', `p${index + 1}`]),
      ).result;

    it('warns on each publish node whose topic the flow\'s own subscribe matches, and stays valid', () => {
      const result = loop(['loop', 'loop']);
      expect(result.valid).toBe(true);
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([
        { nodeId: 'p1', message: expect.stringContaining('Node "p1" (publish) publishes to "loop", which this flow\'s own subscribe node "s" ("loop") matches') },
        { nodeId: 'p2', message: expect.stringContaining('Node "p2" (publish) publishes to "loop"') },
      ]);
      expect(result.warnings[0]?.message).toContain('SLUICE_MAX_PUBLISH_DEPTH');
      expect(result.warnings[0]?.message).toContain('SLUICE_MAX_CHAIN_RUNS');
    });

    it.each([
      ['orders.*', 'orders.created', true],
      ['orders.#', 'orders.eu.created', true],
      ['#', 'anything', true],
      ['orders.*', 'orders.eu.created', false],
      ['orders.created', 'orders.updated', false],
    ])('subscribe %s, publish %s: warns %s', (pattern, topic, warns) => {
      expect(loop([topic], pattern).warnings).toHaveLength(warns ? 1 : 0);
    });

    it('does not warn for a trigger flow, or a publish to another topic', () => {
      expect(setup().result.warnings).toEqual([]);
      expect(setup([['t', 'trigger'], ['p', 'publish', { topic: 'loop' }]], [['t', 'p']]).result.warnings).toEqual([]);
    });
  });
});
