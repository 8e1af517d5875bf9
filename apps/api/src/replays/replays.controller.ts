import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FlowGraph, ReplayDto, ReplayEventDetail, ReplayListItem, ReplayStartedDto } from '@sluice/contracts';
import { DomainError, REPLAY_LIMITS, ReplayService } from '@sluice/runtime';
import { ApiErrors, page, ref } from '../common/openapi';
import { isUuid, parseRequest } from '../common/request-validation';
import { flowId } from '../flows/flow-id';
import { replayRequestSchema } from './replay.schemas';

@ApiTags('replays')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('api')
export class ReplaysController {
  constructor(private readonly replays: ReplayService) {}

  @Post('flows/:id/replays')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Replay recorded events through a draft or a version',
    description:
      'Runs the newest recorded events of the flow (or those `q`, `from` and `to` select) through a draft graph or another version, ' +
      'without effects, and compares each with what happened: http steps answer from the record (or `stubs`), publishes and delays are ' +
      `recorded only. At most ${REPLAY_LIMITS.maxEvents.toLocaleString('en-US')} events; one replay per flow at a time (409 \`replay_running\`), ` +
      'and at most SLUICE_REPLAY_MAX_RUNNING across flows per process (503 `overloaded` with Retry-After; nothing is written). ' +
      'The work goes on in the background: read it with GET /api/replays/{id}.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The flow' })
  @ApiBody({ schema: ref('ReplayRequest') })
  @ApiResponse({ status: 202, description: 'The replay started', schema: ref('ReplayStarted') })
  @ApiErrors(400, 404, 409, 413, 415, 422, 503)
  start(@Param('id') id: string, @Body() body: unknown): Promise<ReplayStartedDto> {
    const { graph, version, from, to, q, stubs, limit } = parseRequest(replayRequestSchema, body);
    return this.replays.start({
      flowId: flowId(id), subject: version === undefined ? { graph: graph as FlowGraph } : { version }, limit, stubs: stubs ?? {},
      ...(from ? { from } : {}), ...(to ? { to } : {}), ...(q ? { q } : {}),
    });
  }

  @Get('flows/:id/replays')
  @ApiOperation({ summary: 'List the replays of a flow', description: `The ${REPLAY_LIMITS.keepPerFlow} kept, newest first.` })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The flow' })
  @ApiResponse({ status: 200, description: 'Replays', schema: page('ReplayListItem') })
  @ApiErrors(404)
  list(@Param('id') id: string): Promise<{ items: ReplayListItem[] }> {
    return this.replays.list(flowId(id));
  }

  @Get('replays/:id')
  @ApiOperation({
    summary: 'Get a replay',
    description: 'Its status and progress, the counts so far per node and per edge, and every event replayed, changed ones first.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The replay', schema: ref('Replay') })
  @ApiErrors(404)
  get(@Param('id') id: string): Promise<ReplayDto> {
    return this.replays.get(replayId(id));
  }

  @Get('replays/:id/events/:runId')
  @ApiOperation({ summary: 'One replayed event side by side', description: 'The original run and the replayed one: status, path, each node\'s result; what the replay would have published and waited.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'runId', format: 'uuid', description: 'The original run' })
  @ApiResponse({ status: 200, description: 'The event', schema: ref('ReplayEvent') })
  @ApiErrors(404)
  event(@Param('id') id: string, @Param('runId') runId: string): Promise<ReplayEventDetail> {
    if (!isUuid(runId)) throw new DomainError('not_found', `Replay ${id} has no event of run ${runId}`);
    return this.replays.event(replayId(id), runId);
  }
}

function replayId(id: string): string {
  if (!isUuid(id)) throw new DomainError('not_found', `Replay ${id} does not exist`);
  return id;
}
