import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { DeadLetterDto, Page } from '@sluice/contracts';
import { DomainError, RunControlService, RunQueryService } from '@sluice/runtime';
import { isUuid } from '../common/request-validation';

@ApiTags('dead letters')
@Controller('api/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly queries: RunQueryService,
    private readonly control: RunControlService,
  ) {}

  @Get()
  async list(): Promise<Page<DeadLetterDto>> {
    return { items: await this.queries.deadLetters() };
  }

  /** Re-runs the dead step with fresh attempts. */
  @Post(':id/redrive')
  @HttpCode(202)
  async redrive(@Param('id') id: string): Promise<{ accepted: true }> {
    await this.control.redrive(letterId(id));
    return { accepted: true };
  }

  @Delete(':id')
  @HttpCode(204)
  discard(@Param('id') id: string): Promise<void> {
    return this.control.discard(letterId(id));
  }
}

function letterId(id: string): string {
  if (!isUuid(id)) throw new DomainError('not_found', `Dead letter ${id} does not exist`);
  return id;
}
