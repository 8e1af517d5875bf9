import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Page, RetryDto } from '@sluice/contracts';
import { RunQueryService } from '@sluice/runtime';
import { ApiErrors, page } from '../common/openapi';

@ApiTags('runs')
@ApiBearerAuth()
@Controller('api/retries')
export class RetriesController {
  constructor(private readonly queries: RunQueryService) {}

  /** Scheduled retries, soonest first. */
  @Get()
  @ApiOperation({ summary: 'List scheduled retries', description: 'Soonest first, with attempt n of m and the last error.' })
  @ApiResponse({ status: 200, description: 'Retries', schema: page('Retry') })
  @ApiErrors(401)
  async list(): Promise<Page<RetryDto>> {
    return { items: await this.queries.retries() };
  }
}
