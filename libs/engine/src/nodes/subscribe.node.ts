import { checkTopicPattern } from '../graph/topic-pattern';
import { checkSearchKeys } from '../search/search-keys';
import { requiredString } from './field-checks';
import { type NodeDefinition, passThrough } from './node-definition';

/** Entry of a run started by an event on a matching topic; its output is the payload. It may declare the flow's search keys. */
export const subscribeNode: NodeDefinition = {
  type: 'subscribe',
  entry: true,
  inline: true,
  outHandles: [null],
  validate(data) {
    const keys = checkSearchKeys(data['searchKeys']);
    const missing = requiredString(data, 'topic', 'a topic pattern');
    if (missing) return [missing, ...keys];
    const problem = checkTopicPattern(data['topic'] as string);
    return [...(problem ? [`topic pattern "${String(data['topic'])}" ${problem}`] : []), ...keys];
  },
  behaviour: { kind: 'local', run: passThrough },
};
