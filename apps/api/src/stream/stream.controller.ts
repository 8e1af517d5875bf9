import { Controller, Get, Inject, Query, Res, type BeforeApplicationShutdown } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Settings } from '@sluice/config';
import { RuntimeMetrics, type BrokerPort } from '@sluice/runtime';
import type { Response } from 'express';
import { z } from 'zod';
import { isUuid, parseRequest } from '../common/request-validation';
import { BROKER, SETTINGS } from '../common/tokens';
import { StreamClients } from './stream-clients';

const uuid = z.string().refine(isUuid, 'must be a UUID');
const filterQuery = z.object({ flowId: uuid.optional(), runId: uuid.optional() });

@ApiTags('stream')
@ApiBearerAuth()
@Controller('api/stream')
export class StreamController implements BeforeApplicationShutdown {
  private readonly clients: StreamClients;

  constructor(@Inject(BROKER) broker: BrokerPort, @Inject(SETTINGS) settings: Settings, metrics: RuntimeMetrics) {
    this.clients = new StreamClients(broker, metrics, {
      maxConnections: settings.SLUICE_STREAM_MAX_CONNECTIONS,
      maxBuffer: settings.SLUICE_STREAM_MAX_BUFFER,
    });
  }

  /** Server-Sent Events: one `run.changed` event per committed change, filtered by flowId or runId. */
  @Get()
  @ApiOperation({
    summary: 'Live run changes (Server-Sent Events)',
    description:
      'One `run.changed` event per committed change of a run, with the new history events; a comment line every 15 s keeps the connection open. ' +
      'At most SLUICE_STREAM_MAX_CONNECTIONS streams per process (then 503 with Retry-After); a client whose unsent data passes SLUICE_STREAM_MAX_BUFFER is disconnected.',
  })
  @ApiQuery({ name: 'flowId', required: false, type: String, format: 'uuid' })
  @ApiQuery({ name: 'runId', required: false, type: String, format: 'uuid' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'An endless event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 400, description: 'flowId or runId is not a UUID' })
  @ApiResponse({ status: 503, description: 'The process serves its maximum of streams; retry after Retry-After seconds' })
  stream(@Query() query: unknown, @Res() response: Response): void {
    this.clients.attach(parseRequest(filterQuery, query), response);
  }

  /** Open streams never end on their own; the HTTP server can only close once they have. */
  beforeApplicationShutdown(): void {
    this.clients.close();
  }
}
