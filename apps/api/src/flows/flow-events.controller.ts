import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { TriggerResponse } from '@sluice/contracts';
import { TriggerService } from '@sluice/runtime';
import { z } from 'zod';
import { ApiErrors, ref } from '../common/openapi';
import { parseRequest } from '../common/request-validation';
import { flowId } from './flow-id';

const idempotencyKey = z.string().trim().min(1).max(200).optional();

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/flows/:id/events')
export class FlowEventsController {
  constructor(private readonly triggers: TriggerService) {}

  /** Triggers the flow with the body as the event payload. */
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Trigger a flow',
    description: 'Starts a run with the body as the event. The trigger and the pure nodes after it run before the answer; the rest runs on a worker.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The flow' })
  @ApiHeader({ name: 'idempotency-key', required: false, description: 'The same key on the same flow within 24 h returns the first run (`deduplicated: true`)' })
  @ApiBody({ schema: ref('EventPayload') })
  @ApiResponse({ status: 202, description: 'The run started', schema: ref('TriggerResponse') })
  @ApiErrors(400, 401, 404, 413, 415, 422, 503)
  trigger(@Param('id') id: string, @Body() payload: unknown, @Headers('idempotency-key') key?: string): Promise<TriggerResponse> {
    return this.triggers.trigger(flowId(id), payload ?? {}, parseRequest(idempotencyKey, key));
  }
}
