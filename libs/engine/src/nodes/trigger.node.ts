import { checkPayloadSchema } from '../graph/payload-schema';
import { checkSearchKeys } from '../search/search-keys';
import { type NodeDefinition, passThrough } from './node-definition';

/** Entry of a run started over REST; its output is the payload. It may declare the flow's search keys. */
export const triggerNode: NodeDefinition = {
  type: 'trigger',
  entry: true,
  inline: true,
  outHandles: [null],
  validate(data) {
    const problem = data['schema'] === undefined ? undefined : checkPayloadSchema(data['schema']);
    return [...(problem ? [problem] : []), ...checkSearchKeys(data['searchKeys'])];
  },
  behaviour: { kind: 'local', run: passThrough },
};
