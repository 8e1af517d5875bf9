import type { CommonNodeData, IgnoreData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type IgnoreFlowNode = Node<Partial<IgnoreData> & CommonNodeData & Record<string, unknown>, 'ignore'>;

/** Canvas card of a `ignore` node. */
export const IgnoreNode = memo(function IgnoreNode({ id, data, selected }: NodeProps<IgnoreFlowNode>) {
  return <BaseNode id={id} type="ignore" selected={selected} label={data.label} summary={data.reason || 'event ignored'} />;
});
