import { checkPayloadSchema } from '../graph/payload-schema';
import { type NodeDefinition, passThrough } from './node-definition';

/** Entry of a run started over REST; its output is the payload. */
export const triggerNode: NodeDefinition = {
  type: 'trigger',
  entry: true,
  inline: true,
  outHandles: [null],
  validate(data) {
    if (data['schema'] === undefined) return [];
    const problem = checkPayloadSchema(data['schema']);
    return problem ? [problem] : [];
  },
  behaviour: { kind: 'local', run: passThrough },
};
