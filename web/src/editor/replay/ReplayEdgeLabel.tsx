import { EdgeLabelRenderer } from '@xyflow/react';
import { memo } from 'react';
import { useReplayEdgeMark } from './store/ReplayStoreContext';
import './replay.css';

/**
 * How many replayed events took an edge in the recorded runs and in the
 * replay ("15 → 3"), on the edge's midpoint. Nothing when no replay result
 * is shown, or when neither side took the edge.
 */
export const ReplayEdgeLabel = memo(function ReplayEdgeLabel({ id, x, y }: { id: string; x: number; y: number }) {
  const mark = useReplayEdgeMark(id);
  if (!mark) return null;
  const trend = mark.after > mark.before ? 'more' : mark.after < mark.before ? 'fewer' : 'same';
  const title = `Taken by ${mark.before} of the replayed events in the recorded runs, and by ${mark.after} in the replay`;
  return (
    <EdgeLabelRenderer>
      <div
        className={`sl-replay-edge is-${trend} nodrag nopan`}
        data-testid="replay-edge-label"
        data-edge-id={id}
        data-before={mark.before}
        data-after={mark.after}
        title={title}
        aria-label={title}
        style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
      >
        {mark.before} → {mark.after}
      </div>
    </EdgeLabelRenderer>
  );
});
