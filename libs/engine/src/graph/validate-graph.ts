import type { GraphError, GraphWarning, ValidationResult } from '@sluice/contracts';
import { nodeDefinition } from '../nodes/node-registry';
import { checkRetryPolicy } from '../retry/retry-policy';
import { checkGraphLimits } from './graph-limits';
import { checkRoutingKey, checkTopicPattern, matchTopic } from './topic-pattern';

type Json = Record<string, unknown>;

interface KnownNode {
  id: string;
  type: string;
  /** Handles edges may leave from; undefined when the type is unknown (no handle checks then). */
  handles?: readonly (string | null)[];
  entry: boolean;
}

interface KnownEdge {
  id: string;
  source: string;
  target: string;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function handleName(handle: string | null): string {
  return handle === null ? 'default' : `"${handle}"`;
}

/**
 * Validates an untrusted graph against every rule of docs/flow-model.md. Each error names
 * the node or edge it concerns. Shape errors stop validation early only when
 * `nodes` or `edges` is not an array.
 */
export function validateGraph(graph: unknown): ValidationResult {
  if (!isRecord(graph)) return result([{ message: 'Graph must be an object with "nodes" and "edges" arrays' }]);
  const errors: GraphError[] = [];
  if (!Array.isArray(graph['nodes'])) errors.push({ message: 'Graph "nodes" must be an array' });
  if (!Array.isArray(graph['edges'])) errors.push({ message: 'Graph "edges" must be an array' });
  if (errors.length > 0) return result(errors);
  // Past the node or edge count nothing else is checked, so the cost of validating stays bounded.
  if (!checkGraphLimits(graph['nodes'] as unknown[], graph['edges'] as unknown[], errors)) return result(errors);

  const nodes = checkNodes(graph['nodes'] as unknown[], errors);
  const entries = [...nodes.values()].filter((node) => node.entry);
  if (entries.length === 0) errors.push({ message: 'Flow needs an entry node (trigger or subscribe); it has none' });
  if (entries.length > 1) {
    for (const entry of entries) {
      errors.push({ nodeId: entry.id, message: `Node "${entry.id}" (${entry.type}) is one of ${entries.length} entry nodes; a flow needs exactly one` });
    }
  }
  const edges = checkEdges(graph['edges'] as unknown[], nodes, errors);
  checkCycles(nodes, edges, errors);
  const entry = entries[0];
  if (entries.length === 1 && entry) checkReachability(entry, nodes, edges, errors);
  return result(errors, selfPublishWarnings(graph['nodes'] as unknown[]));
}

function result(errors: GraphError[], warnings: GraphWarning[] = []): ValidationResult {
  return { valid: errors.length === 0, errors, warnings };
}

/** `data.topic` of a node of the given type, when it is a string. */
function topicOf(node: unknown, type: string): string | undefined {
  if (!isRecord(node) || node['type'] !== type || typeof node['id'] !== 'string' || !isRecord(node['data'])) return undefined;
  const topic = node['data']['topic'];
  return typeof topic === 'string' ? topic : undefined;
}

/**
 * Warns on every publish node whose topic the flow's own `subscribe` pattern
 * matches: each run would start another run of the same flow, a loop that
 * only the publish chain limits end. A warning, since a guarded loop (a
 * filter before the publish) can be intended.
 */
function selfPublishWarnings(raw: unknown[]): GraphWarning[] {
  const patterns = raw.flatMap((node) => {
    const pattern = topicOf(node, 'subscribe');
    return pattern !== undefined && checkTopicPattern(pattern) === undefined ? [{ id: (node as Json)['id'] as string, pattern }] : [];
  });
  const warnings: GraphWarning[] = [];
  for (const node of raw) {
    const topic = topicOf(node, 'publish');
    if (topic === undefined || checkRoutingKey(topic) !== undefined) continue;
    const nodeId = (node as Json)['id'] as string;
    for (const { id, pattern } of patterns) {
      if (!matchTopic(pattern, topic)) continue;
      warnings.push({
        nodeId,
        message:
          `Node "${nodeId}" (publish) publishes to "${topic}", which this flow's own subscribe node "${id}" ("${pattern}") matches: ` +
          'every run starts another run of this flow until the publish chain limits (SLUICE_MAX_PUBLISH_DEPTH, SLUICE_MAX_CHAIN_RUNS) fail the step',
      });
    }
  }
  return warnings;
}

function checkNodes(raw: unknown[], errors: GraphError[]): Map<string, KnownNode> {
  const nodes = new Map<string, KnownNode>();
  raw.forEach((node, index) => {
    if (!isRecord(node)) return void errors.push({ message: `Node at index ${index} must be an object` });
    const id = node['id'];
    if (typeof id !== 'string' || id === '') return void errors.push({ message: `Node at index ${index} needs a non-empty string id` });
    if (nodes.has(id)) return void errors.push({ nodeId: id, message: `Node id "${id}" is used by more than one node` });
    const type = node['type'];
    if (typeof type !== 'string' || type === '') {
      nodes.set(id, { id, type: '?', entry: false });
      return void errors.push({ nodeId: id, message: `Node "${id}" needs a type` });
    }
    const definition = nodeDefinition(type);
    nodes.set(id, { id, type, entry: definition?.entry ?? false, ...(definition ? { handles: definition.outHandles } : {}) });
    if (!definition) return void errors.push({ nodeId: id, message: `Node "${id}" has unknown type "${type}"` });
    const data = node['data'] ?? {};
    if (!isRecord(data)) return void errors.push({ nodeId: id, message: `Node "${id}" (${type}) data must be an object` });
    const problems = [...definition.validate(data), ...checkRetryPolicy(data['retry'])];
    for (const problem of problems) errors.push({ nodeId: id, message: `Node "${id}" (${type}) ${problem}` });
  });
  return nodes;
}

function checkEdges(raw: unknown[], nodes: Map<string, KnownNode>, errors: GraphError[]): KnownEdge[] {
  const seen = new Set<string>();
  const edges: KnownEdge[] = [];
  raw.forEach((edge, index) => {
    if (!isRecord(edge)) return void errors.push({ message: `Edge at index ${index} must be an object` });
    const id = edge['id'];
    if (typeof id !== 'string' || id === '') return void errors.push({ message: `Edge at index ${index} needs a non-empty string id` });
    if (seen.has(id)) return void errors.push({ edgeId: id, message: `Edge id "${id}" is used by more than one edge` });
    seen.add(id);
    const source = edge['source'];
    const target = edge['target'];
    const handle = edge['sourceHandle'] ?? null;
    const fail = (message: string): void => void errors.push({ edgeId: id, message: `Edge "${id}" ${message}` });
    if (typeof source !== 'string') fail('needs a source node id');
    else if (!nodes.has(source)) fail(`comes from unknown node "${source}"`);
    if (typeof target !== 'string') fail('needs a target node id');
    else if (!nodes.has(target)) fail(`goes to unknown node "${target}"`);
    const handleOk = handle === null || typeof handle === 'string';
    if (!handleOk) fail('sourceHandle must be a string or null');
    const from = typeof source === 'string' ? nodes.get(source) : undefined;
    const to = typeof target === 'string' ? nodes.get(target) : undefined;
    if (!from || !to) return;
    if (handleOk && from.handles && !from.handles.includes(handle as string | null)) {
      const has = from.handles.length === 0 ? 'it has no outgoing handles' : `it has ${from.handles.map(handleName).join(', ')}`;
      fail(`leaves node "${from.id}" (${from.type}) by handle ${handleName(handle as string | null)}, which ${has}`);
    }
    if (to.entry) fail(`goes into entry node "${to.id}" (${to.type}); entry nodes take no incoming edges`);
    edges.push({ id, source: from.id, target: to.id });
  });
  return edges;
}

/** Reports every edge that closes a cycle (a back edge of a depth-first search). */
function checkCycles(nodes: Map<string, KnownNode>, edges: KnownEdge[], errors: GraphError[]): void {
  const outgoing = adjacency(edges);
  const state = new Map<string, 'open' | 'done'>();
  for (const start of nodes.keys()) {
    if (state.has(start)) continue;
    // Iterative DFS: graphs come from users, and recursion depth should not depend on them.
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { id: string; next: number };
      const edge = outgoing.get(frame.id)?.[frame.next];
      if (!edge) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      frame.next++;
      const seen = state.get(edge.target);
      if (seen === 'open') {
        errors.push({ edgeId: edge.id, message: `Edge "${edge.id}" (${edge.source} → ${edge.target}) closes a cycle; flows must be acyclic` });
      } else if (seen === undefined) {
        state.set(edge.target, 'open');
        stack.push({ id: edge.target, next: 0 });
      }
    }
  }
}

function checkReachability(entry: KnownNode, nodes: Map<string, KnownNode>, edges: KnownEdge[], errors: GraphError[]): void {
  const outgoing = adjacency(edges);
  const reached = new Set([entry.id]);
  const queue = [entry.id];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const edge of outgoing.get(id) ?? []) {
      if (!reached.has(edge.target)) {
        reached.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  for (const node of nodes.values()) {
    if (!reached.has(node.id)) {
      errors.push({ nodeId: node.id, message: `Node "${node.id}" (${node.type}) is not reachable from the entry node "${entry.id}"` });
    }
  }
}

function adjacency(edges: KnownEdge[]): Map<string, KnownEdge[]> {
  const map = new Map<string, KnownEdge[]>();
  for (const edge of edges) {
    const list = map.get(edge.source);
    if (list) list.push(edge);
    else map.set(edge.source, [edge]);
  }
  return map;
}
