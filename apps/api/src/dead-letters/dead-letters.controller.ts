import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { DeadLetterDto, Page } from '@sluice/contracts';
import { DomainError, RunControlService, RunQueryService } from '@sluice/runtime';
import { ApiErrors, page, ref } from '../common/openapi';
import { isUuid } from '../common/request-validation';

@ApiTags('dead letters')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('api/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly queries: RunQueryService,
    private readonly control: RunControlService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List dead letters', description: 'Steps whose attempts ran out, not yet redriven or discarded.' })
  @ApiResponse({ status: 200, description: 'Dead letters', schema: page('DeadLetter') })
  async list(): Promise<Page<DeadLetterDto>> {
    return { items: await this.queries.deadLetters() };
  }

  /** Re-runs the dead step with fresh attempts. */
  @Post(':id/redrive')
  @HttpCode(202)
  @ApiOperation({ summary: 'Redrive a dead letter', description: 'Re-runs the step with fresh attempts.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 202, description: 'Accepted', schema: ref('Accepted') })
  @ApiErrors(404, 409)
  async redrive(@Param('id') id: string): Promise<{ accepted: true }> {
    await this.control.redrive(letterId(id));
    return { accepted: true };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Discard a dead letter' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 204, description: 'Discarded' })
  @ApiErrors(404)
  discard(@Param('id') id: string): Promise<void> {
    return this.control.discard(letterId(id));
  }
}

function letterId(id: string): string {
  if (!isUuid(id)) throw new DomainError('not_found', `Dead letter ${id} does not exist`);
  return id;
}
