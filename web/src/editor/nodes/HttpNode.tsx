import type { CommonNodeData, HttpData } from '@sluice/contracts';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { BaseNode } from './BaseNode';

type HttpFlowNode = Node<Partial<HttpData> & CommonNodeData & Record<string, unknown>, 'http'>;

/** Canvas card of a `http` node. */
export const HttpNode = memo(function HttpNode({ id, data, selected }: NodeProps<HttpFlowNode>) {
  return <BaseNode id={id} type="http" selected={selected} label={data.label} summary={<><span className="sl-method">{data.method || 'GET'}</span> {hostOf(data.url)}</>} />;
});

/** Host and path of the url, short enough for the card. */
function hostOf(url: unknown): string {
  if (typeof url !== 'string' || url === '') return 'no url';
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return url;
  }
}
