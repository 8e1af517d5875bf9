import { randomUUID } from 'node:crypto';
import type { TopicPublishResponse, TriggerResponse } from '@sluice/contracts';
import { checkTriggerPayload, startRun, type EngineClock } from '@sluice/engine';
import type { StorePort } from '@sluice/store';
import { DomainError } from '../support/domain-error';
import type { FlowCache } from './flow-cache';
import type { RunChange, RunCommitter } from './run-committer';
import { topicEventEntry } from './run-writes';

/**
 * Starts runs: one flow over REST, or every subscribe flow of a topic. The
 * run's first steps, up to the first step that needs a worker, are decided and
 * committed before the request is answered.
 */
export class TriggerService {
  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly committer: RunCommitter,
    private readonly clock: EngineClock,
  ) {}

  async trigger(flowId: string, payload: unknown, idempotencyKey?: string): Promise<TriggerResponse> {
    const record = await this.store.getFlow(flowId);
    if (!record || record.archived) throw new DomainError('not_found', `Flow ${flowId} does not exist`);
    const flow = await this.flows.version(record.id, record.version);
    if (!flow) throw new DomainError('not_found', `Flow ${flowId} does not exist`);
    const problems = checkTriggerPayload(flow, payload);
    if (problems.length > 0) throw new DomainError('payload_rejected', 'The event does not match the trigger schema', { problems });

    const runId = randomUUID();
    const eventId = randomUUID();
    const transition = await startRun(flow, { runId, eventId, payload, source: 'rest' }, this.clock);
    await this.committer.prepare();
    const outcome = await this.store.transaction(async (tx) => {
      if (idempotencyKey !== undefined) {
        const holder = await tx.claimIdempotencyKey({ flowId, key: idempotencyKey, runId, eventId });
        if (holder) return { response: { ...holder, deduplicated: true } };
      }
      const staged = await this.committer.stage(tx, [{ flow, transitions: [transition], isNew: true }]);
      return { response: { runId, eventId, deduplicated: false }, staged };
    });
    if (outcome.staged) this.committer.afterCommit(outcome.staged);
    return outcome.response;
  }

  /** Starts a run of every subscribe flow matching the topic and hands the event to outside consumers. */
  async publish(topic: string, payload: unknown, eventId: string = randomUUID()): Promise<TopicPublishResponse> {
    const changes = await this.runsForTopic(topic, payload, eventId, 'topic');
    await this.committer.prepare();
    const staged = await this.store.transaction((tx) =>
      this.committer.stage(tx, changes, [topicEventEntry(eventId, topic, payload, true)]),
    );
    this.committer.afterCommit(staged);
    return { eventId, runIds: changes.map((change) => change.transitions[0]!.state.id).filter((id) => staged.inserted.has(id)) };
  }

  /** Runs to start for an event on a topic; used by the REST route and the broker ingest. */
  async runsForTopic(topic: string, payload: unknown, eventId: string, source: 'topic'): Promise<RunChange[]> {
    const changes: RunChange[] = [];
    for (const { flow } of await this.flows.subscribers(topic)) {
      const transition = await startRun(flow, { runId: randomUUID(), eventId, payload, source, topic }, this.clock);
      changes.push({ flow, transitions: [transition], isNew: true });
    }
    return changes;
  }
}
