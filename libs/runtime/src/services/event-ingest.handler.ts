import type { Delivery } from '../ports/broker.port';
import type { TopicEventMessage } from '../ports/broker-messages';
import type { Logger } from '../ports/logger.port';
import type { RunCommitter, TopicEvent } from './run-committer';

/**
 * Starts subscribe-flow runs for events that reach the events exchange from
 * outside Sluice. Events Sluice published itself were fanned out when they
 * were committed and are only acknowledged here. The events of a batch fan
 * out in one commit, which finds their subscribers as of that commit (see
 * RunCommitter). A run is unique per (flow, event id), so a redelivered event
 * starts nothing new.
 */
export class EventIngestHandler {
  constructor(
    private readonly committer: RunCommitter,
    private readonly logger: Logger,
  ) {}

  async handle(batch: Delivery<TopicEventMessage>[]): Promise<void> {
    const events: TopicEvent[] = batch
      .filter((delivery) => !delivery.fannedOut)
      .map(({ message }) => ({ eventId: message.eventId, topic: message.topic, payload: message.payload }));
    try {
      if (events.length > 0) await this.committer.commit([], [], events);
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
