import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { BrokerPort } from '@sluice/broker';
import type { StreamNotice } from '@sluice/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { parseRequest } from '../common/request-validation';
import { BROKER } from '../common/tokens';

const filterQuery = z.object({ flowId: z.string().optional(), runId: z.string().optional() });

/** Interval of comment lines that keep idle connections open through proxies, in ms. */
const HEARTBEAT_MS = 15_000;

@ApiTags('stream')
@ApiBearerAuth()
@Controller('api/stream')
export class StreamController {
  constructor(@Inject(BROKER) private readonly broker: BrokerPort) {}

  /** Server-Sent Events: one `run.changed` event per committed change, filtered by flowId or runId. */
  @Get()
  @ApiOperation({
    summary: 'Live run changes (Server-Sent Events)',
    description: 'One `run.changed` event per committed change of a run, with the new history events; a comment line every 15 s keeps the connection open.',
  })
  @ApiQuery({ name: 'flowId', required: false, type: String, format: 'uuid' })
  @ApiQuery({ name: 'runId', required: false, type: String, format: 'uuid' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'An endless event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  stream(@Query() query: unknown, @Req() request: Request, @Res() response: Response): void {
    const filter = parseRequest(filterQuery, query);
    response.status(200).set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.write(': connected\n\n');
    const matches = (notice: StreamNotice) =>
      (!filter.flowId || notice.flowId === filter.flowId) && (!filter.runId || notice.runId === filter.runId);
    const unsubscribe = this.broker.onNotice((notice) => {
      if (matches(notice)) response.write(`event: ${notice.kind}\ndata: ${JSON.stringify(notice)}\n\n`);
    });
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
    request.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }
}
