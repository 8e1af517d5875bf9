import type { NodeType } from '@sluice/contracts';
import type { NodeTypes } from '@xyflow/react';
import { DelayNode } from './DelayNode';
import { EndNode } from './EndNode';
import { FilterNode } from './FilterNode';
import { HttpNode } from './HttpNode';
import { IgnoreNode } from './IgnoreNode';
import { PublishNode } from './PublishNode';
import { SubscribeNode } from './SubscribeNode';
import { TransformNode } from './TransformNode';
import { TriggerNode } from './TriggerNode';

/** One memoised component per node kind, declared once at module scope (docs/code-style.md, one component per node kind). */
export const nodeTypes = {
  trigger: TriggerNode,
  subscribe: SubscribeNode,
  filter: FilterNode,
  transform: TransformNode,
  publish: PublishNode,
  http: HttpNode,
  delay: DelayNode,
  ignore: IgnoreNode,
  end: EndNode,
} satisfies Record<NodeType, NodeTypes[string]> as NodeTypes;
