import type { GraphError } from '@sluice/contracts';

/**
 * Size limits of a flow graph. Graphs come from users and every run loads
 * one, so their size is bounded: the editor draws them, validation walks
 * them, and each run's state grows with them. Lengths are in UTF-16 code
 * units (JavaScript string length).
 */
export const GRAPH_LIMITS = Object.freeze({
  /** Nodes in one graph. */
  maxNodes: 500,
  /** Edges in one graph. */
  maxEdges: 2000,
  /** Node and edge ids, node types, edge ends and handles. */
  maxIdLength: 100,
  /** `data.label`. */
  maxLabelLength: 200,
  /** JSONata expressions: `condition`, `expression`, `body`. */
  maxExpressionLength: 10_000,
  /** `data.url` of an http node. */
  maxUrlLength: 2048,
  /** Headers of one http node. */
  maxHeaders: 100,
  /** An http header name. */
  maxHeaderNameLength: 256,
  /** An http header value. */
  maxHeaderValueLength: 8192,
  /** `data.reason` of an ignore node. */
  maxReasonLength: 1000,
  /** Any other key inside `data` (a JSON Schema's property names, for example). */
  maxKeyLength: 256,
  /** Any other string inside `data`. */
  maxStringLength: 10_000,
});

/** Fields of `data` with their own length limit; every other string falls back to `maxStringLength`. */
const FIELD_LIMITS: Readonly<Record<string, number>> = {
  label: GRAPH_LIMITS.maxLabelLength,
  condition: GRAPH_LIMITS.maxExpressionLength,
  expression: GRAPH_LIMITS.maxExpressionLength,
  body: GRAPH_LIMITS.maxExpressionLength,
  url: GRAPH_LIMITS.maxUrlLength,
  reason: GRAPH_LIMITS.maxReasonLength,
};

type Json = Record<string, unknown>;

/** A UTF-16 surrogate without its partner: not Unicode text, and PostgreSQL's jsonb refuses it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or undefined. */
function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'a lone UTF-16 surrogate';
  return undefined;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A bounded quote of untrusted text for an error message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * Checks counts and string lengths, and that no string or key holds NUL or a
 * lone surrogate (PostgreSQL cannot store either). Pushes one error per problem, naming the node
 * or edge when its id is itself within bounds.
 * @returns false when the graph has too many nodes or edges to validate further.
 */
export function checkGraphLimits(nodes: unknown[], edges: unknown[], errors: GraphError[]): boolean {
  let countsOk = true;
  if (nodes.length > GRAPH_LIMITS.maxNodes) {
    errors.push({ message: `Graph has ${nodes.length} nodes; a flow may have at most ${GRAPH_LIMITS.maxNodes}` });
    countsOk = false;
  }
  if (edges.length > GRAPH_LIMITS.maxEdges) {
    errors.push({ message: `Graph has ${edges.length} edges; a flow may have at most ${GRAPH_LIMITS.maxEdges}` });
    countsOk = false;
  }
  if (!countsOk) return false;
  nodes.forEach((node, index) => {
    if (isRecord(node)) checkNode(node, index, errors);
  });
  edges.forEach((edge, index) => {
    if (isRecord(edge)) checkEdge(edge, index, errors);
  });
  return true;
}

/** Where an error points: the node or edge by id when the id is usable, else by index. */
interface Subject {
  error: Pick<GraphError, 'nodeId' | 'edgeId'>;
  name: string;
}

function subject(kind: 'Node' | 'Edge', item: Json, index: number): Subject {
  const id = item['id'];
  const usable = typeof id === 'string' && id !== '' && id.length <= GRAPH_LIMITS.maxIdLength && textProblem(id) === undefined;
  if (!usable) return { error: {}, name: `${kind} at index ${index}` };
  const type = kind === 'Node' && typeof item['type'] === 'string' && item['type'].length <= GRAPH_LIMITS.maxIdLength ? ` (${item['type']})` : '';
  return { error: kind === 'Node' ? { nodeId: id } : { edgeId: id }, name: `${kind} "${id}"${type}` };
}

function checkNode(node: Json, index: number, errors: GraphError[]): void {
  const at = subject('Node', node, index);
  const fail = (message: string): void => void errors.push({ ...at.error, message: `${at.name} ${message}` });
  checkShortString(node['id'], 'id', fail);
  checkShortString(node['type'], 'type', fail);
  const data = node['data'];
  if (!isRecord(data)) return;
  const headers = data['headers'];
  if (isRecord(headers)) {
    const names = Object.keys(headers);
    if (names.length > GRAPH_LIMITS.maxHeaders) fail(`has ${names.length} headers; at most ${GRAPH_LIMITS.maxHeaders}`);
    for (const name of names) {
      if (name.length > GRAPH_LIMITS.maxHeaderNameLength) {
        fail(`header name ${quote(name)} is ${name.length} characters; at most ${GRAPH_LIMITS.maxHeaderNameLength}`);
      }
      const value = headers[name];
      if (typeof value === 'string' && value.length > GRAPH_LIMITS.maxHeaderValueLength) {
        fail(`header ${quote(name)} has a value of ${value.length} characters; at most ${GRAPH_LIMITS.maxHeaderValueLength}`);
      }
    }
  }
  checkStrings(data, fail);
}

function checkEdge(edge: Json, index: number, errors: GraphError[]): void {
  const at = subject('Edge', edge, index);
  const fail = (message: string): void => void errors.push({ ...at.error, message: `${at.name} ${message}` });
  for (const key of ['id', 'source', 'target', 'sourceHandle', 'targetHandle']) checkShortString(edge[key], key, fail);
}

/** Ids, types, ends and handles: at most `maxIdLength`, storable text. */
function checkShortString(value: unknown, what: string, fail: (message: string) => void): void {
  if (typeof value !== 'string') return;
  if (value.length > GRAPH_LIMITS.maxIdLength) fail(`${what} is ${value.length} characters; at most ${GRAPH_LIMITS.maxIdLength}`);
  const problem = textProblem(value);
  if (problem) fail(`${what} holds ${problem}`);
}

/** A value inside `data` still to check, with the limits that apply to it. */
interface Pending {
  value: unknown;
  /** `label`, `schema.properties.amount`, `headers["x-a"]`: how messages name it. */
  path: string;
  maxString: number;
  /** True for an http node's `headers`, whose names and values have limits of their own. */
  headers: boolean;
}

/**
 * Walks every key and string inside a node's `data` (iteratively: the depth
 * of user JSON must not decide the depth of the stack), refusing NUL
 * anywhere and strings or keys past their limits: a field of FIELD_LIMITS
 * its own, any other string `maxStringLength`.
 */
function checkStrings(data: Json, fail: (message: string) => void): void {
  const stack: Pending[] = Object.entries(data).map(([key, value]) => ({
    value,
    path: pathOf('', key),
    maxString: FIELD_LIMITS[key] ?? GRAPH_LIMITS.maxStringLength,
    headers: key === 'headers',
  }));
  for (const key of Object.keys(data)) checkKey(key, '', GRAPH_LIMITS.maxKeyLength, fail);
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path, maxString, headers } = item;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) fail(`${path} holds ${problem}`);
      if (value.length > maxString) fail(`${path} is ${value.length} characters; at most ${maxString}`);
    } else if (Array.isArray(value)) {
      value.forEach((element, index) => stack.push({ value: element, path: `${path}[${index}]`, maxString: GRAPH_LIMITS.maxStringLength, headers: false }));
    } else if (isRecord(value)) {
      for (const [key, element] of Object.entries(value)) {
        checkKey(key, path, headers ? Number.POSITIVE_INFINITY : GRAPH_LIMITS.maxKeyLength, fail);
        const maxString = headers ? Number.POSITIVE_INFINITY : GRAPH_LIMITS.maxStringLength;
        stack.push({ value: element, path: pathOf(path, key), maxString, headers: false });
      }
    }
  }
}

function checkKey(key: string, parent: string, maxKey: number, fail: (message: string) => void): void {
  const where = parent === '' ? '' : ` in ${parent}`;
  const problem = textProblem(key);
  if (problem) fail(`has a key ${quote(key)}${where} holding ${problem}`);
  if (key.length > maxKey) fail(`has a key ${quote(key)}${where} of ${key.length} characters; at most ${maxKey}`);
}

function pathOf(parent: string, key: string): string {
  const plain = /^[A-Za-z_$][\w$-]{0,39}$/.test(key);
  if (parent === '') return plain ? key : `[${quote(key)}]`;
  return plain ? `${parent}.${key}` : `${parent}[${quote(key)}]`;
}
