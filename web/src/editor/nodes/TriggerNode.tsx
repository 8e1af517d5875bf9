import type { CommonNodeData, TriggerData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type TriggerFlowNode = Node<Partial<TriggerData> & CommonNodeData & Record<string, unknown>, 'trigger'>;

/** Canvas card of a `trigger` node. */
export const TriggerNode = memo(function TriggerNode({ id, data, selected }: NodeProps<TriggerFlowNode>) {
  return <BaseNode id={id} type="trigger" selected={selected} label={data.label} summary={data.schema ? 'REST · payload checked by JSON Schema' : 'POST /api/flows/:id/events'} />;
});
