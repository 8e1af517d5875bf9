import { checkRoutingKey } from '../graph/topic-pattern';
import { requiredString } from './field-checks';
import type { NodeDefinition } from './node-definition';

/**
 * Publishes its input to a topic. The engine emits a `publish` command whose
 * event id is `${runId}:${nodeId}`, so a re-run publishes the same event and
 * consumers can deduplicate. Publishing goes through the runtime's outbox; the
 * runtime first admits the publish against the chain's depth and run budget
 * (see `publish-chain.ts`), and a refused publish fails for good: the error is
 * final, so there is no retry and, without an `error` handle, the step is
 * dead-lettered.
 */
export const publishNode: NodeDefinition = {
  type: 'publish',
  entry: false,
  inline: false,
  outHandles: [null],
  validate(data) {
    const missing = requiredString(data, 'topic', 'a topic');
    if (missing) return [missing];
    const problem = checkRoutingKey(data['topic'] as string);
    return problem ? [`topic "${String(data['topic'])}" ${problem}`] : [];
  },
  behaviour: {
    kind: 'publish',
    run(ctx, admission) {
      if (!admission.granted) return { kind: 'failed', error: admission.error };
      const topic = String(ctx.node.data['topic']);
      return {
        kind: 'succeeded',
        output: { topic, eventId: publishEventId(ctx.runId, ctx.node.id) },
        handle: null,
        publish: { topic, payload: ctx.input },
      };
    },
  },
};

/** Deterministic id of the event a publish step emits. */
export function publishEventId(runId: string, nodeId: string): string {
  return `${runId}:${nodeId}`;
}
