import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FlowDto, FlowGraph, FlowVersionDto, Page, ValidateResponse } from '@sluice/contracts';
import { DomainError, FlowService } from '@sluice/runtime';
import { z } from 'zod';
import { isUuid, parseRequest } from '../common/request-validation';
import { createFlowSchema, updateFlowSchema, validateFlowSchema } from './flow.schemas';

const versionQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

@ApiTags('flows')
@Controller('api/flows')
export class FlowsController {
  constructor(private readonly flows: FlowService) {}

  @Post()
  create(@Body() body: unknown): Promise<FlowDto> {
    const input = parseRequest(createFlowSchema, body);
    return this.flows.create({ ...input, graph: input.graph as FlowGraph });
  }

  @Get()
  async list(): Promise<Page<FlowDto>> {
    return { items: await this.flows.list() };
  }

  @Post('validate')
  @HttpCode(200)
  validate(@Body() body: unknown): ValidateResponse {
    return this.flows.validate(parseRequest(validateFlowSchema, body).graph);
  }

  @Get(':id')
  get(@Param('id') id: string, @Query() query: unknown): Promise<FlowDto> {
    return this.flows.get(flowId(id), parseRequest(versionQuery, query).version);
  }

  @Put(':id')
  save(@Param('id') id: string, @Body() body: unknown): Promise<FlowDto> {
    const input = parseRequest(updateFlowSchema, body);
    return this.flows.save(flowId(id), { ...input, graph: input.graph as FlowGraph });
  }

  @Get(':id/versions')
  async versions(@Param('id') id: string): Promise<Page<FlowVersionDto>> {
    return { items: await this.flows.versions(flowId(id)) };
  }

  @Delete(':id')
  @HttpCode(204)
  archive(@Param('id') id: string): Promise<void> {
    return this.flows.archive(flowId(id));
  }
}

export function flowId(id: string): string {
  if (!isUuid(id)) throw new DomainError('not_found', `Flow ${id} does not exist`);
  return id;
}
