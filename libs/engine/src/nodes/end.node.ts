import { type NodeDefinition, passThrough } from './node-definition';

/** Terminal: marks where a branch finishes. */
export const endNode: NodeDefinition = {
  type: 'end',
  entry: false,
  inline: true,
  outHandles: [],
  validate: () => [],
  behaviour: { kind: 'local', run: passThrough },
};
