import type { NodeType } from '@sluice/contracts';

/** An outgoing handle as drawn: `id` null is the default handle. */
export interface OutHandle {
  id: string | null;
  label?: string;
  tone?: 'yes' | 'no' | 'error';
}

export type IconName = 'bolt' | 'radio' | 'filter' | 'wand' | 'send' | 'globe' | 'clock' | 'ban' | 'flag';

/** What the editor knows about drawing and creating each node type. Handles mirror the engine's `outHandles`. */
export interface NodeKind {
  type: NodeType;
  title: string;
  description: string;
  group: 'Start' | 'Logic' | 'Actions' | 'Finish';
  icon: IconName;
  /** Entry nodes take no incoming edges. */
  entry: boolean;
  outputs: readonly OutHandle[];
  /** True when the step may be retried, so the inspector shows the retry policy. */
  retries: boolean;
  /** Data a freshly dropped node starts with. */
  defaults: () => Record<string, unknown>;
}

const DEFAULT_OUT: readonly OutHandle[] = [{ id: null }];

export const NODE_KINDS: Record<NodeType, NodeKind> = {
  trigger: {
    type: 'trigger', title: 'Trigger', description: 'Event arrives over REST', group: 'Start', icon: 'bolt', entry: true,
    outputs: DEFAULT_OUT, retries: false, defaults: () => ({ label: 'Event received' }),
  },
  subscribe: {
    type: 'subscribe', title: 'Subscribe', description: 'Event arrives on a topic', group: 'Start', icon: 'radio', entry: true,
    outputs: DEFAULT_OUT, retries: false, defaults: () => ({ label: 'Consume event', topic: 'orders.*' }),
  },
  filter: {
    type: 'filter', title: 'Filter', description: 'Is it significant? yes / no', group: 'Logic', icon: 'filter', entry: false,
    outputs: [{ id: 'yes', label: 'yes', tone: 'yes' }, { id: 'no', label: 'no', tone: 'no' }, { id: 'error', label: 'error', tone: 'error' }],
    retries: false, defaults: () => ({ label: 'Is it significant?', condition: 'event.amount > 100' }),
  },
  transform: {
    type: 'transform', title: 'Transform', description: 'Shape the event (JSONata)', group: 'Logic', icon: 'wand', entry: false,
    outputs: [{ id: null }, { id: 'error', label: 'error', tone: 'error' }],
    retries: false, defaults: () => ({ label: 'Shape event', expression: '{ "id": event.orderId }' }),
  },
  delay: {
    type: 'delay', title: 'Delay', description: 'Wait on a durable timer', group: 'Logic', icon: 'clock', entry: false,
    outputs: DEFAULT_OUT, retries: false, defaults: () => ({ label: 'Wait', ms: 1000 }),
  },
  http: {
    type: 'http', title: 'HTTP request', description: 'Process the event by calling a URL', group: 'Actions', icon: 'globe', entry: false,
    outputs: [{ id: null }, { id: 'error', label: 'error', tone: 'error' }],
    retries: true, defaults: () => ({ label: 'Call service', method: 'POST', url: '', body: 'event', timeoutMs: 10000 }),
  },
  publish: {
    type: 'publish', title: 'Publish', description: 'Publish an event to the broker', group: 'Actions', icon: 'send', entry: false,
    outputs: DEFAULT_OUT, retries: true, defaults: () => ({ label: 'Publish event', topic: 'orders.significant' }),
  },
  ignore: {
    type: 'ignore', title: 'Ignore', description: 'Drop the event (terminal)', group: 'Finish', icon: 'ban', entry: false,
    outputs: [], retries: false, defaults: () => ({ label: 'Ignore event' }),
  },
  end: {
    type: 'end', title: 'End', description: 'Branch finished', group: 'Finish', icon: 'flag', entry: false,
    outputs: [], retries: false, defaults: () => ({ label: 'Done' }),
  },
};

export const PALETTE_GROUPS: readonly NodeKind['group'][] = ['Start', 'Logic', 'Actions', 'Finish'];

/** The kind of a node type, or undefined for a type this editor does not know. */
export function nodeKind(type: string | undefined): NodeKind | undefined {
  return type !== undefined && Object.hasOwn(NODE_KINDS, type) ? NODE_KINDS[type as NodeType] : undefined;
}

/** MIME type carried by palette drags. */
export const DND_MIME = 'application/x-sluice-node';
