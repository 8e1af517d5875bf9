import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventIngestHandler, type Delivery, type TopicEventMessage } from '@sluice/runtime';
import { EVENT_BATCH_PATTERN } from './batch-patterns';

/** Starts subscribe-flow runs for each batch of topic events; the ingest handler acks after its commit. */
@Controller()
export class TopicEventHandler {
  constructor(private readonly ingest: EventIngestHandler) {}

  @EventPattern<string>(EVENT_BATCH_PATTERN)
  handle(batch: Delivery<TopicEventMessage>[]): Promise<void> {
    return this.ingest.handle(batch);
  }
}
