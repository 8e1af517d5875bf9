import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FlowLiveDto } from '@sluice/contracts';
import { LiveTopologyService } from '@sluice/runtime';
import { ApiErrors, ref } from '../common/openapi';
import { flowId } from './flow-id';

@ApiTags('flows')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('api/flows')
export class FlowLiveController {
  constructor(private readonly live: LiveTopologyService) {}

  @Get(':id/live')
  @ApiOperation({
    summary: 'Live figures of a flow',
    description:
      'Where the flow\'s work is now and where it backs up: per node, steps in flight, retries waiting, throughput over the last 10 s ' +
      'and the trend of its waiting work; the flow\'s running runs and outbox rows; the broker\'s steps and ingest queues; how events ' +
      'reach the flow; and the node whose waiting work grows, if any. Reads are bounded (`limits`); a capped figure says so. ' +
      'Archived flows answer too.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The flow\'s live figures', schema: ref('FlowLive') })
  @ApiErrors(404, 503)
  get(@Param('id') id: string): Promise<FlowLiveDto> {
    return this.live.live(flowId(id));
  }
}
