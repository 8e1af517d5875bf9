import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RUN_STATUSES, type HistoryItemDto, type Page, type RunDto, type RunQueryPage } from '@sluice/contracts';
import { DomainError, RUN_QUERY_LIMITS, RunControlService, RunQueryService, RunSearchService } from '@sluice/runtime';
import type { Response } from 'express';
import { z } from 'zod';
import { clientGone } from '../common/client-gone';
import { ApiErrors, page, ref, runQueryPage } from '../common/openapi';
import { INT4_MAX, isUuid, parseRequest, queryInteger } from '../common/request-validation';
import { parseRunListQuery } from './run-list.query';

const stateQuery = z.object({ asOf: queryInteger(1, INT4_MAX).optional() });

@ApiTags('runs')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('api/runs')
export class RunsController {
  constructor(
    private readonly queries: RunQueryService,
    private readonly search: RunSearchService,
    private readonly control: RunControlService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List and search runs',
    description:
      'Newest first, a page at a time. With `flowId`, either `key.<name>=<value>` (one search key the flow declares, from its index) ' +
      'or `q` (a JSONata predicate over each run\'s payload, scanned newest first: at most ' +
      `${RUN_QUERY_LIMITS.maxScannedRuns.toLocaleString('en-US')} runs and about ${RUN_QUERY_LIMITS.maxScanMs / 1000} s per request; ` +
      'the answer then says how many runs it `scanned`, and `nextCursor` goes on with the scan). ' +
      'At most SLUICE_SEARCH_MAX_SCANS `q` searches scan at once per process; past it a `q` search gets 503 `overloaded` with Retry-After ' +
      '(key lookups and plain listing are not counted).',
  })
  @ApiQuery({ name: 'flowId', required: false, type: String, format: 'uuid', description: 'Required with `q` or a search key' })
  @ApiQuery({ name: 'status', required: false, enum: [...RUN_STATUSES] })
  @ApiQuery({ name: 'limit', required: false, type: 'integer', description: '1–500, default 50; a page also ends once it holds 8 MiB of runs' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: '`nextCursor` of the previous page' })
  @ApiQuery({
    name: 'q', required: false, type: String,
    description: `A JSONata predicate over the payload that started each run, e.g. \`orderId = "A-17"\` (at most ${RUN_QUERY_LIMITS.maxQueryLength.toLocaleString('en-US')} characters)`,
  })
  @ApiQuery({
    name: 'key.{name}', required: false, type: String,
    description: 'A value of one search key the flow declares, e.g. `key.orderId=A-17`; an unknown name gets 400 `invalid_query` naming the declared keys',
  })
  @ApiResponse({ status: 200, description: 'A page of runs; with `q`, also `scanned` and `complete`', schema: runQueryPage() })
  @ApiErrors(400, 404, 503)
  list(@Query() query: unknown, @Res({ passthrough: true }) response: Response): Promise<Page<RunDto> | RunQueryPage> {
    const request = parseRunListQuery(query);
    switch (request.kind) {
      case 'list':
        return this.queries.list(request.query);
      case 'key':
        return this.search.byKey(request.query);
      case 'payload':
        return this.search.byQuery({ ...request.query, signal: clientGone(response) });
    }
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a run', description: 'The run and its steps now, or as of a history `seq` (time travel).' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'asOf', required: false, type: 'integer', description: 'Fold the history up to this seq' })
  @ApiResponse({ status: 200, description: 'The run', schema: ref('Run') })
  @ApiErrors(400, 404)
  get(@Param('id') id: string, @Query() query: unknown): Promise<RunDto> {
    return this.queries.get(runId(id), parseRequest(stateQuery, query).asOf);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Get a run\'s history', description: 'The append-only event log, in seq order.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The events', schema: page('HistoryEvent') })
  @ApiErrors(404)
  async history(@Param('id') id: string): Promise<Page<HistoryItemDto>> {
    return { items: await this.queries.history(runId(id)) };
  }

  /** Retries the run's dead step, or brings its scheduled retry forward. */
  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry now', description: 'Re-runs the dead step, or brings its scheduled retry forward to now.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 202, description: 'Accepted', schema: ref('Accepted') })
  @ApiErrors(404, 409)
  async retry(@Param('id') id: string): Promise<{ accepted: true }> {
    await this.control.retryNow(runId(id));
    return { accepted: true };
  }
}

function runId(id: string): string {
  if (!isUuid(id)) throw new DomainError('not_found', `Run ${id} does not exist`);
  return id;
}
