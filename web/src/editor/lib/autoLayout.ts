import type { FlowEdge } from '@sluice/contracts';

/** Size assumed for nodes React Flow has not measured yet, in px. */
const FALLBACK = { width: 240, height: 72 };

interface LayoutNode {
  id: string;
  measured?: { width?: number; height?: number };
}

/**
 * Left-to-right layered layout with elkjs. elk is 1.4 MB, so it loads on
 * first use. Resolves to the new top-left position of every node.
 */
export async function autoLayout(nodes: readonly LayoutNode[], edges: readonly FlowEdge[]): Promise<Record<string, { x: number; y: number }>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const ids = new Set(nodes.map((node) => node.id));
  const laidOut = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: nodes.map((node) => ({
      id: node.id,
      width: node.measured?.width ?? FALLBACK.width,
      height: node.measured?.height ?? FALLBACK.height,
    })),
    edges: edges
      .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
      .map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
  });
  const positions: Record<string, { x: number; y: number }> = {};
  for (const child of laidOut.children ?? []) {
    positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  }
  return positions;
}
