import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import { isEdgeCarried } from '../lib/applyRunStatus';
import { shortMessage } from '../nodes/BaseNode';
import { ReplayEdgeLabel } from '../replay/ReplayEdgeLabel';
import { useOptionalEditorStore } from '../store/EditorStoreContext';
import { useNodeRunStatus } from '../store/RunStatusStoreContext';
import './StatusEdge.css';

const EMPTY: string[] = [];

/**
 * An edge that lights up when it carried the event in the run shown (rule in
 * `isEdgeCarried`), animates while its target is still in play, and shows
 * validation errors that name it and, while a replay is drawn, its counts.
 */
export const StatusEdge = memo(function StatusEdge(props: EdgeProps) {
  const { id, source, target, sourceHandleId, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd } = props;
  const sourceStatus = useNodeRunStatus(source);
  const targetStatus = useNodeRunStatus(target);
  const errors = useOptionalEditorStore((state) => state.validation.byEdge[id] ?? EMPTY, EMPTY);
  const stale = useOptionalEditorStore((state) => state.validation.stale && state.validation.byEdge[id] !== undefined, false);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });

  const carried = isEdgeCarried({ sourceHandle: sourceHandleId ?? null }, sourceStatus, targetStatus);
  const live = carried && (targetStatus?.status === 'running' || targetStatus?.status === 'retrying' || targetStatus?.status === 'scheduled');
  const classes = ['sl-edge'];
  if (sourceHandleId === 'error') classes.push('sl-edge--error-path');
  if (carried) classes.push('is-carried');
  if (live) classes.push('is-live');
  if (selected) classes.push('is-selected');
  if (errors.length > 0) classes.push('is-invalid');

  return (
    <>
      <BaseEdge id={id} path={path} className={classes.join(' ')} {...(markerEnd ? { markerEnd } : {})} interactionWidth={24} />
      {errors.length > 0 && (
        <EdgeLabelRenderer>
          <div
            className={`sl-edge-error nodrag nopan${stale ? ' is-stale' : ''}`}
            data-testid={`edge-error-${id}`}
            data-stale={stale || undefined}
            title={errors.join('\n')}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            ⚠ {shortMessage(errors[0] ?? '')}
          </div>
        </EdgeLabelRenderer>
      )}
      <ReplayEdgeLabel id={id} x={labelX} y={labelY} />
    </>
  );
});

/** Edge components, at module scope like `nodeTypes`. */
export const edgeTypes = { status: StatusEdge };
