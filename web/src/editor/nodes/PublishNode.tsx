import type { CommonNodeData, PublishData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type PublishFlowNode = Node<Partial<PublishData> & CommonNodeData & Record<string, unknown>, 'publish'>;

/** Canvas card of a `publish` node. */
export const PublishNode = memo(function PublishNode({ id, data, selected }: NodeProps<PublishFlowNode>) {
  return <BaseNode id={id} type="publish" selected={selected} label={data.label} summary={<>→ <code>{data.topic || 'no topic'}</code></>} />;
});
