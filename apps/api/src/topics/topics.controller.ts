import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { TopicPublishResponse } from '@sluice/contracts';
import { TriggerService } from '@sluice/runtime';
import { z } from 'zod';
import { parseRequest } from '../common/request-validation';

/** A routing key: dot-separated words, no wildcards. */
const topicSchema = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a routing key such as orders.created (no wildcards)').max(255);

@ApiTags('events')
@Controller('api/topics/:topic/events')
export class TopicsController {
  constructor(private readonly triggers: TriggerService) {}

  /** Publishes the body to the topic: every matching subscribe flow starts a run. */
  @Post()
  @HttpCode(202)
  publish(@Param('topic') topic: string, @Body() payload: unknown): Promise<TopicPublishResponse> {
    return this.triggers.publish(parseRequest(topicSchema, topic), payload ?? {});
  }
}
