import type { CommonNodeData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type EndFlowNode = Node<CommonNodeData & Record<string, unknown>, 'end'>;

/** Canvas card of a `end` node. */
export const EndNode = memo(function EndNode({ id, data, selected }: NodeProps<EndFlowNode>) {
  return <BaseNode id={id} type="end" selected={selected} label={data.label} summary={'branch finished'} />;
});
