import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Page, RetryDto } from '@sluice/contracts';
import { RunQueryService } from '@sluice/runtime';

@ApiTags('runs')
@Controller('api/retries')
export class RetriesController {
  constructor(private readonly queries: RunQueryService) {}

  /** Scheduled retries, soonest first. */
  @Get()
  async list(): Promise<Page<RetryDto>> {
    return { items: await this.queries.retries() };
  }
}
