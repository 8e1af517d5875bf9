import type { CommonNodeData, FilterData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type FilterFlowNode = Node<Partial<FilterData> & CommonNodeData & Record<string, unknown>, 'filter'>;

/** Canvas card of a `filter` node. */
export const FilterNode = memo(function FilterNode({ id, data, selected }: NodeProps<FilterFlowNode>) {
  return <BaseNode id={id} type="filter" selected={selected} label={data.label} summary={<code>{data.condition || 'no condition'}</code>} />;
});
