import { type NodeDefinition, passThrough } from './node-definition';

/** Terminal: the event is not significant. A run whose every branch ends here is `ignored`. */
export const ignoreNode: NodeDefinition = {
  type: 'ignore',
  entry: false,
  inline: true,
  outHandles: [],
  validate(data) {
    const reason = data['reason'];
    return reason === undefined || reason === null || typeof reason === 'string' ? [] : ['reason must be a string'];
  },
  behaviour: { kind: 'local', run: passThrough },
};
