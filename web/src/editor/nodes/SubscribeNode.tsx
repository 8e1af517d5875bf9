import type { CommonNodeData, SubscribeData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type SubscribeFlowNode = Node<Partial<SubscribeData> & CommonNodeData & Record<string, unknown>, 'subscribe'>;

/** Canvas card of a `subscribe` node. */
export const SubscribeNode = memo(function SubscribeNode({ id, data, selected }: NodeProps<SubscribeFlowNode>) {
  return <BaseNode id={id} type="subscribe" selected={selected} label={data.label} summary={<code>{data.topic || 'no topic'}</code>} />;
});
