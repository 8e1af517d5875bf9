import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { TopicPublishResponse } from '@sluice/contracts';
import { TriggerService } from '@sluice/runtime';
import { z } from 'zod';
import { ApiErrors, ref } from '../common/openapi';
import { parseRequest } from '../common/request-validation';

/** A routing key: dot-separated words, no wildcards. */
const topicSchema = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a routing key such as orders.created (no wildcards)').max(255);

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/topics/:topic/events')
export class TopicsController {
  constructor(private readonly triggers: TriggerService) {}

  /** Publishes the body to the topic: every matching subscribe flow starts a run. */
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Publish an event to a topic',
    description:
      'Starts one run of every subscribe flow whose pattern matches, and sends the event to the `sluice.events` exchange for outside consumers. ' +
      'An event the store cannot hold, or larger than the broker carries in one message (SQS and SNS: 256 KiB), gets 422 `payload_rejected`.',
  })
  @ApiParam({ name: 'topic', description: 'A routing key such as `orders.created` (no wildcards)' })
  @ApiBody({ schema: ref('EventPayload') })
  @ApiResponse({ status: 202, description: 'Published', schema: ref('TopicPublishResponse') })
  @ApiErrors(400, 401, 413, 415, 422, 503)
  publish(@Param('topic') topic: string, @Body() payload: unknown): Promise<TopicPublishResponse> {
    return this.triggers.publish(parseRequest(topicSchema, topic), payload ?? {});
  }
}
