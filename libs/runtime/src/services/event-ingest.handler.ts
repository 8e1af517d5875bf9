import type { Delivery } from '../ports/broker.port';
import type { TopicEventMessage } from '../ports/broker-messages';
import type { Logger } from '../ports/logger.port';
import type { RunChange, RunCommitter } from './run-committer';
import type { TriggerService } from './trigger.service';

/**
 * Starts subscribe-flow runs for events that reach the events exchange from
 * outside Sluice. Events Sluice published itself were fanned out when they
 * were committed and are only acknowledged here. A run is unique per
 * (flow, event id), so a redelivered event starts nothing new.
 */
export class EventIngestHandler {
  constructor(
    private readonly triggers: TriggerService,
    private readonly committer: RunCommitter,
    private readonly logger: Logger,
  ) {}

  async handle(batch: Delivery<TopicEventMessage>[]): Promise<void> {
    const outside = batch.filter((delivery) => !delivery.fannedOut);
    try {
      const changes: RunChange[] = [];
      for (const { message } of outside) {
        changes.push(...(await this.triggers.runsForTopic(message.topic, message.payload, message.eventId, 'topic')));
      }
      if (changes.length > 0) await this.committer.commit(changes);
      for (const delivery of batch) delivery.ack();
    } catch (error) {
      this.logger.error({ err: error, count: batch.length }, 'starting runs for topic events failed; requeued');
      await pause(1000);
      for (const delivery of batch) delivery.nack(true);
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
