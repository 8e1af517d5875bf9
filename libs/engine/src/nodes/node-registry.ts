import { NODE_TYPES, type NodeType } from '@sluice/contracts';
import { delayNode } from './delay.node';
import { endNode } from './end.node';
import { filterNode } from './filter.node';
import { httpNode } from './http.node';
import { ignoreNode } from './ignore.node';
import type { NodeDefinition } from './node-definition';
import { publishNode } from './publish.node';
import { subscribeNode } from './subscribe.node';
import { transformNode } from './transform.node';
import { triggerNode } from './trigger.node';

const registry: Record<NodeType, NodeDefinition> = {
  trigger: triggerNode,
  subscribe: subscribeNode,
  filter: filterNode,
  transform: transformNode,
  publish: publishNode,
  http: httpNode,
  delay: delayNode,
  ignore: ignoreNode,
  end: endNode,
};

/** True when `type` is one of the node types of docs/flow-model.md. */
export function isNodeType(type: string): type is NodeType {
  return (NODE_TYPES as readonly string[]).includes(type);
}

/** The definition of a node type, or undefined for an unknown type. */
export function nodeDefinition(type: string): NodeDefinition | undefined {
  return isNodeType(type) ? registry[type] : undefined;
}

/** True for node types that run inside the transition that reaches them: filter, transform, ignore, end and the entries. */
export function isInlineNode(type: string): boolean {
  return nodeDefinition(type)?.inline ?? false;
}
