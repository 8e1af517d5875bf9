import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { TriggerResponse } from '@sluice/contracts';
import { TriggerService } from '@sluice/runtime';
import { z } from 'zod';
import { parseRequest } from '../common/request-validation';
import { flowId } from './flows.controller';

const idempotencyKey = z.string().trim().min(1).max(200).optional();

@ApiTags('events')
@Controller('api/flows/:id/events')
export class FlowEventsController {
  constructor(private readonly triggers: TriggerService) {}

  /** Triggers the flow with the body as the event payload. */
  @Post()
  @HttpCode(202)
  trigger(@Param('id') id: string, @Body() payload: unknown, @Headers('idempotency-key') key?: string): Promise<TriggerResponse> {
    return this.triggers.trigger(flowId(id), payload ?? {}, parseRequest(idempotencyKey, key));
  }
}
