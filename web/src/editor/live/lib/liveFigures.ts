import type { FlowLiveDto } from '@sluice/contracts';

/** What the canvas draws on one node while the live view is on. */
export interface LiveNodeMark {
  /** Throughput as shown, e.g. `12/s`. */
  throughput: string;
  inFlight: number;
  retriesWaiting: number;
  /** The bottleneck's reason when this node is the bottleneck, else null. */
  bottleneck: string | null;
}

/** The live figures by node id, as the canvas draws them. */
export type LiveOverlay = Record<string, LiveNodeMark>;

/**
 * Steps per second, compact: whole numbers from 10/s up, one decimal below
 * (`0.4/s`), and `0/s` for nothing, so a badge stays a few characters wide.
 */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '0/s';
  if (perSec >= 10) return `${Math.round(perSec)}/s`;
  const tenths = Math.round(perSec * 10) / 10;
  return `${tenths === 0 ? '<0.1' : String(tenths)}/s`;
}

/** A figure the broker may not tell (null): a dash then. */
export function formatFigure(value: number | null): string {
  return value === null ? '—' : String(value);
}

/** The marks of every node the answer names, the bottleneck's carrying its reason. */
export function liveOverlay(dto: FlowLiveDto): LiveOverlay {
  const overlay: LiveOverlay = {};
  for (const node of dto.nodes) {
    overlay[node.nodeId] = {
      throughput: formatRate(node.throughputPerSec),
      inFlight: node.inFlight,
      retriesWaiting: node.retriesWaiting,
      bottleneck: dto.bottleneck?.nodeId === node.nodeId ? dto.bottleneck.reason : null,
    };
  }
  return overlay;
}

/** The panel's sentence about the bottleneck, naming the node by its label when it has one. */
export function bottleneckSentence(dto: FlowLiveDto, labelOf: (nodeId: string) => string): string {
  if (!dto.bottleneck) return 'No bottleneck: no node’s waiting work is growing.';
  return `${labelOf(dto.bottleneck.nodeId)} is the bottleneck: ${dto.bottleneck.reason}.`;
}
