import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RUN_STATUSES, type HistoryItemDto, type Page, type RunDto } from '@sluice/contracts';
import { DomainError, RunControlService, RunQueryService } from '@sluice/runtime';
import { z } from 'zod';
import { isUuid, parseRequest } from '../common/request-validation';

const listQuery = z.object({
  flowId: z.string().uuid().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});
const stateQuery = z.object({ asOf: z.coerce.number().int().min(1).optional() });

@ApiTags('runs')
@Controller('api/runs')
export class RunsController {
  constructor(
    private readonly queries: RunQueryService,
    private readonly control: RunControlService,
  ) {}

  @Get()
  list(@Query() query: unknown): Promise<Page<RunDto>> {
    return this.queries.list(parseRequest(listQuery, query));
  }

  @Get(':id')
  get(@Param('id') id: string, @Query() query: unknown): Promise<RunDto> {
    return this.queries.get(runId(id), parseRequest(stateQuery, query).asOf);
  }

  @Get(':id/history')
  async history(@Param('id') id: string): Promise<Page<HistoryItemDto>> {
    return { items: await this.queries.history(runId(id)) };
  }

  /** Retries the run's dead step, or brings its scheduled retry forward. */
  @Post(':id/retry')
  @HttpCode(202)
  async retry(@Param('id') id: string): Promise<{ accepted: true }> {
    await this.control.retryNow(runId(id));
    return { accepted: true };
  }
}

function runId(id: string): string {
  if (!isUuid(id)) throw new DomainError('not_found', `Run ${id} does not exist`);
  return id;
}
