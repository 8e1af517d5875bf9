import { checkTopicPattern } from '../graph/topic-pattern';
import { requiredString } from './field-checks';
import { type NodeDefinition, passThrough } from './node-definition';

/** Entry of a run started by an event on a matching topic; its output is the payload. */
export const subscribeNode: NodeDefinition = {
  type: 'subscribe',
  entry: true,
  inline: true,
  outHandles: [null],
  validate(data) {
    const missing = requiredString(data, 'topic', 'a topic pattern');
    if (missing) return [missing];
    const problem = checkTopicPattern(data['topic'] as string);
    return problem ? [`topic pattern "${String(data['topic'])}" ${problem}`] : [];
  },
  behaviour: { kind: 'local', run: passThrough },
};
