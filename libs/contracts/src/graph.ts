/**
 * A flow version's graph, stored in React Flow's own shape so the editor
 * saves exactly what it draws (docs/flow-model.md).
 */
export const NODE_TYPES = ['trigger', 'subscribe', 'filter', 'transform', 'publish', 'http', 'delay', 'ignore', 'end'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Retry policy of a node; every field is optional and falls back to the defaults. */
export interface RetryPolicyInput {
  /** Total attempts including the first one. */
  maxAttempts?: number;
  /** Delay before the second attempt, in ms. */
  initialIntervalMs?: number;
  /** Factor applied to the delay after each attempt. */
  backoffCoefficient?: number;
  /** Upper bound of any single delay, in ms. */
  maxIntervalMs?: number;
  /** Random spread as a fraction of the delay (0.2 = ±20 %). */
  jitter?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A search key of a flow, declared on its entry node: a JSONata expression
 * over the payload that starts a run, whose values are indexed when the run
 * starts, so runs can be found by them (docs/flow-model.md#search-keys).
 */
export interface SearchKey {
  /** `^[A-Za-z_][A-Za-z0-9_]{0,63}$`, unique within the flow; `key.<name>` in `GET /api/runs`. */
  name: string;
  /** JSONata over the payload itself (not the `{ event, steps, input }` scope of node expressions). */
  expression: string;
}

export interface TriggerData { schema?: Record<string, unknown>; searchKeys?: SearchKey[] }
export interface SubscribeData { topic: string; searchKeys?: SearchKey[] }
export interface FilterData { condition: string }
export interface TransformData { expression: string }
export interface PublishData { topic: string }
export interface HttpData {
  url: string;
  method: HttpMethod;
  headers?: Record<string, string>;
  /** JSONata expression producing the request body. */
  body?: string;
  /** Time limit of one attempt, in ms. */
  timeoutMs: number;
}
export interface DelayData { ms: number }
export interface IgnoreData { reason?: string }
export type EndData = Record<string, never>;

/** `data` of each node type; every node may also carry `retry` and a display `label`. */
export interface NodeDataByType {
  trigger: TriggerData;
  subscribe: SubscribeData;
  filter: FilterData;
  transform: TransformData;
  publish: PublishData;
  http: HttpData;
  delay: DelayData;
  ignore: IgnoreData;
  end: EndData;
}

export interface CommonNodeData {
  label?: string;
  retry?: RetryPolicyInput;
}

export interface FlowNode {
  id: string;
  type: string;
  position: { x: number; y: number };
  data: Record<string, unknown>;
}

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  /** `yes`/`no` on filters, `error` on nodes that can fail, null/absent for the default handle. */
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** One problem found by validation, naming the node or edge it concerns. */
export interface GraphError {
  nodeId?: string;
  edgeId?: string;
  message: string;
}

/**
 * Something valid but probably unintended, naming the node it concerns (for
 * example a flow that publishes to a topic its own `subscribe` matches).
 * Warnings never block a save.
 */
export interface GraphWarning {
  nodeId: string;
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: GraphError[];
  warnings: GraphWarning[];
}
