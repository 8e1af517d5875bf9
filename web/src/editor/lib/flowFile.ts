import type { FlowGraph } from '@sluice/contracts';

/** The JSON file export writes and import reads. */
export interface FlowFile {
  sluice: 1;
  name: string;
  description?: string | null;
  graph: FlowGraph;
}

export function toFlowFile(name: string, description: string | null, graph: FlowGraph): FlowFile {
  return { sluice: 1, name, ...(description ? { description } : {}), graph };
}

/**
 * Reads an exported flow file, or a bare `{ nodes, edges }` graph. Only the
 * shape is checked here; the graph itself goes through validation like any edit.
 */
export function parseFlowFile(text: string): { ok: true; graph: FlowGraph; name?: string } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, error: 'Expected a JSON object' };
  const record = parsed as Record<string, unknown>;
  const graph = (typeof record['graph'] === 'object' && record['graph'] !== null ? record['graph'] : record) as Record<string, unknown>;
  if (!Array.isArray(graph['nodes']) || !Array.isArray(graph['edges'])) {
    return { ok: false, error: 'Expected a flow file with graph.nodes and graph.edges arrays' };
  }
  const nodes = graph['nodes'] as unknown[];
  if (!nodes.every((node) => typeof node === 'object' && node !== null && typeof (node as { id?: unknown }).id === 'string')) {
    return { ok: false, error: 'Every node needs a string id' };
  }
  const name = typeof record['name'] === 'string' ? record['name'] : undefined;
  return { ok: true, graph: graph as unknown as FlowGraph, ...(name ? { name } : {}) };
}

/** Starts a browser download of `content` as a file. */
export function downloadJson(fileName: string, content: unknown): void {
  const blob = new Blob([`${JSON.stringify(content, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
