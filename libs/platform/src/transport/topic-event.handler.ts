import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EVENT_BATCH_PATTERN } from '@sluice/contracts';
import { EventIngestHandler, type Delivery, type TopicEventMessage } from '@sluice/runtime';

/** Starts subscribe-flow runs for each batch of topic events; the ingest handler acks after its commit. */
@Controller()
export class TopicEventHandler {
  constructor(private readonly ingest: EventIngestHandler) {}

  @EventPattern<string>(EVENT_BATCH_PATTERN)
  handle(batch: Delivery<TopicEventMessage>[]): Promise<void> {
    return this.ingest.handle(batch);
  }
}
