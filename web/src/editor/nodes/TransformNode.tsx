import type { CommonNodeData, TransformData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type TransformFlowNode = Node<Partial<TransformData> & CommonNodeData & Record<string, unknown>, 'transform'>;

/** Canvas card of a `transform` node. */
export const TransformNode = memo(function TransformNode({ id, data, selected }: NodeProps<TransformFlowNode>) {
  return <BaseNode id={id} type="transform" selected={selected} label={data.label} summary={<code>{data.expression || 'no expression'}</code>} />;
});
