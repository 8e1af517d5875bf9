import type { FlowGraph } from '@sluice/contracts';

/**
 * The graph without trigger payload schemas, for checking in the browser:
 * ajv compiles a schema into code with `Function`, which the editor's
 * Content-Security-Policy (no 'unsafe-eval') forbids. The API checks schemas.
 */
export function withoutPayloadSchemas(graph: FlowGraph): FlowGraph {
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      if (!('schema' in node.data)) return node;
      const { schema: _schema, ...data } = node.data;
      return { ...node, data };
    }),
  };
}
