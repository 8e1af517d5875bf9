import type { FlowEdge, FlowGraph, FlowNode, SearchKey } from '@sluice/contracts';
import type { NodeDefinition } from '../nodes/node-definition';
import { nodeDefinition } from '../nodes/node-registry';
import { type RetryPolicy, resolveRetryPolicy } from '../retry/retry-policy';
import { DEFAULT_MAX_STEP_OUTPUT_BYTES } from '../run/output-limit';
import { declaredSearchKeys } from '../search/search-keys';
import { payloadProblems } from './payload-schema';
import { validateGraph } from './validate-graph';

/** A validated flow version, indexed for the run transitions. */
export interface CompiledFlow {
  flowId: string;
  version: number;
  graph: FlowGraph;
  /** The single trigger or subscribe node. */
  entry: FlowNode;
  node(id: string): FlowNode | undefined;
  /** Edges leaving `nodeId` by `handle` (null = default handle), in graph order. */
  outgoing(nodeId: string, handle: string | null): FlowEdge[];
  /** Every edge leaving `nodeId`, whatever its handle. */
  outgoingAll(nodeId: string): FlowEdge[];
  /** Every edge entering `nodeId`. */
  incoming(nodeId: string): FlowEdge[];
  /** Definition of the node's type. Throws for an unknown node id. */
  definition(nodeId: string): NodeDefinition;
  /** The node's `data.retry` merged over the defaults. Throws for an unknown node id. */
  retryPolicy(nodeId: string): RetryPolicy;
  /** Largest output a step of this flow may record, as UTF-8 JSON, in bytes; past it the step fails without retries. */
  maxStepOutputBytes: number;
  /** The search keys the entry node declares, extracted from the payload when a run starts (empty: nothing is indexed). */
  searchKeys: readonly SearchKey[];
}

/** What the deployment adds to a compiled flow: the limits its runs obey. */
export interface CompileOptions {
  /** Largest step output as UTF-8 JSON, in bytes (SLUICE_MAX_STEP_OUTPUT); default 1 MiB. */
  maxStepOutputBytes?: number;
}

/** Error thrown by {@link compileFlow} for an invalid graph; `errors` name nodes and edges. */
export class InvalidFlowError extends Error {
  constructor(readonly errors: { nodeId?: string; edgeId?: string; message: string }[]) {
    super(`Invalid flow graph: ${errors.map((error) => error.message).join('; ')}`);
    this.name = 'InvalidFlowError';
  }
}

/** Normalises an absent/null handle to null, the default handle. */
export function edgeHandle(edge: FlowEdge): string | null {
  return edge.sourceHandle ?? null;
}

/**
 * Validates and indexes a flow version. Throws {@link InvalidFlowError} when
 * the graph is invalid: stored versions were validated on save, so this is a bug.
 * Validation parses every expression, which fills the expression cache.
 */
export function compileFlow(flowId: string, version: number, graph: FlowGraph, options: CompileOptions = {}): CompiledFlow {
  const validation = validateGraph(graph);
  if (!validation.valid) throw new InvalidFlowError(validation.errors);

  const nodes = new Map<string, FlowNode>();
  const definitions = new Map<string, NodeDefinition>();
  const policies = new Map<string, RetryPolicy>();
  for (const raw of graph.nodes) {
    const node = { ...raw, data: raw.data ?? {} };
    nodes.set(node.id, node);
    definitions.set(node.id, nodeDefinition(node.type) as NodeDefinition);
    policies.set(node.id, resolveRetryPolicy(node.data['retry'] as Parameters<typeof resolveRetryPolicy>[0]));
  }
  const outgoing = new Map<string, FlowEdge[]>();
  const incoming = new Map<string, FlowEdge[]>();
  const push = (map: Map<string, FlowEdge[]>, key: string, edge: FlowEdge): void => {
    const list = map.get(key);
    if (list) list.push(edge);
    else map.set(key, [edge]);
  };
  for (const edge of graph.edges) {
    push(outgoing, edge.source, edge);
    push(incoming, edge.target, edge);
  }
  const entry = [...nodes.values()].find((node) => definitions.get(node.id)?.entry) as FlowNode;
  const known = <T>(map: Map<string, T>, id: string): T => {
    const value = map.get(id);
    if (value === undefined) throw new Error(`Flow ${flowId} v${version} has no node "${id}"`);
    return value;
  };

  return {
    flowId,
    version,
    graph,
    entry,
    node: (id) => nodes.get(id),
    outgoing: (nodeId, handle) => (outgoing.get(nodeId) ?? []).filter((edge) => edgeHandle(edge) === handle),
    outgoingAll: (nodeId) => outgoing.get(nodeId) ?? [],
    incoming: (nodeId) => incoming.get(nodeId) ?? [],
    definition: (nodeId) => known(definitions, nodeId),
    retryPolicy: (nodeId) => known(policies, nodeId),
    maxStepOutputBytes: options.maxStepOutputBytes ?? DEFAULT_MAX_STEP_OUTPUT_BYTES,
    searchKeys: declaredSearchKeys(entry),
  };
}

/**
 * Checks a payload against the trigger's `data.schema` (JSON Schema, Ajv).
 * @returns readable problems; empty when valid or when the entry has no schema.
 */
export function checkTriggerPayload(flow: CompiledFlow, payload: unknown): string[] {
  const schema = flow.entry.data['schema'];
  if (typeof schema !== 'object' || schema === null) return [];
  return payloadProblems(schema, payload);
}
