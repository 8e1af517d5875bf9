import type { CommonNodeData, DelayData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { formatDuration } from '../../format/durations';
import { BaseNode } from './BaseNode';

type DelayFlowNode = Node<Partial<DelayData> & CommonNodeData & Record<string, unknown>, 'delay'>;

/** Canvas card of a `delay` node. */
export const DelayNode = memo(function DelayNode({ id, data, selected }: NodeProps<DelayFlowNode>) {
  return <BaseNode id={id} type="delay" selected={selected} label={data.label} summary={`wait ${formatDuration(Number(data.ms) || 0)}`} />;
});
