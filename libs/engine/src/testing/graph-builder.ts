import type { FlowEdge, FlowGraph, FlowNode } from '@sluice/contracts';

/** `[id, type, data?]` */
export type NodeSpec = [string, string, Record<string, unknown>?];
/** `[source, target, sourceHandle?]`; the edge id is `source-target`. */
export type EdgeSpec = [string, string, (string | null)?];

/** Builds a React Flow graph from compact specs. */
export function flowGraph(nodes: NodeSpec[], edges: EdgeSpec[]): FlowGraph {
  return {
    nodes: nodes.map(([id, type, data]): FlowNode => ({ id, type, position: { x: 0, y: 0 }, data: data ?? {} })),
    edges: edges.map(([source, target, handle]): FlowEdge => ({ id: `${source}-${target}`, source, target, sourceHandle: handle ?? null })),
  };
}
