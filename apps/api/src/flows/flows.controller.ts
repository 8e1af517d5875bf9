import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FlowDto, FlowGraph, FlowVersionDto, Page, ValidateResponse } from '@sluice/contracts';
import { FlowService } from '@sluice/runtime';
import { z } from 'zod';
import { ApiErrors, page, ref } from '../common/openapi';
import { INT4_MAX, parseRequest, queryInteger } from '../common/request-validation';
import { flowId } from './flow-id';
import { createFlowSchema, updateFlowSchema, validateFlowSchema } from './flow.schemas';

const versionQuery = z.object({ version: queryInteger(1, INT4_MAX).optional() });
const listQuery = z.object({
  limit: queryInteger(1, 500).default(50),
  cursor: z.string().max(500).optional(),
});

@ApiTags('flows')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('api/flows')
export class FlowsController {
  constructor(private readonly flows: FlowService) {}

  @Post()
  @ApiOperation({ summary: 'Create a flow', description: 'Validates the graph and saves it as version 1.' })
  @ApiBody({ schema: ref('CreateFlowRequest') })
  @ApiResponse({ status: 201, description: 'The new flow', schema: ref('Flow') })
  @ApiErrors(400, 413, 415, 422)
  create(@Body() body: unknown): Promise<FlowDto> {
    const input = parseRequest(createFlowSchema, body);
    return this.flows.create({ ...input, graph: input.graph as FlowGraph });
  }

  @Get()
  @ApiOperation({ summary: 'List flows', description: 'Active flows at their latest version, oldest first, a page at a time.' })
  @ApiQuery({ name: 'limit', required: false, type: 'integer', description: '1–500, default 50; a page also ends once it holds 8 MiB of flows' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: '`nextCursor` of the previous page' })
  @ApiResponse({ status: 200, description: 'A page of flows', schema: page('Flow', true) })
  @ApiErrors(400)
  list(@Query() query: unknown): Promise<Page<FlowDto>> {
    return this.flows.list(parseRequest(listQuery, query));
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate a graph', description: 'Checks a graph without saving it; every error names its node or edge.' })
  @ApiBody({ schema: ref('ValidateRequest') })
  @ApiResponse({ status: 200, description: 'The verdict', schema: ref('ValidateResponse') })
  @ApiErrors(400, 413, 415)
  validate(@Body() body: unknown): ValidateResponse {
    return this.flows.validate(parseRequest(validateFlowSchema, body).graph);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a flow', description: 'The latest version, or the one named by `version`.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'version', required: false, type: 'integer', description: 'A saved version (1, 2, …)' })
  @ApiResponse({ status: 200, description: 'The flow', schema: ref('Flow') })
  @ApiErrors(400, 404)
  get(@Param('id') id: string, @Query() query: unknown): Promise<FlowDto> {
    return this.flows.get(flowId(id), parseRequest(versionQuery, query).version);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Save a new version', description: 'Every save is a new immutable version; `version` goes up by one.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ schema: ref('UpdateFlowRequest') })
  @ApiResponse({ status: 200, description: 'The flow at its new version', schema: ref('Flow') })
  @ApiErrors(400, 404, 413, 415, 422)
  save(@Param('id') id: string, @Body() body: unknown): Promise<FlowDto> {
    const input = parseRequest(updateFlowSchema, body);
    return this.flows.save(flowId(id), { ...input, graph: input.graph as FlowGraph });
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'List the versions of a flow' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'Versions', schema: page('FlowVersion') })
  @ApiErrors(404)
  async versions(@Param('id') id: string): Promise<Page<FlowVersionDto>> {
    return { items: await this.flows.versions(flowId(id)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive a flow', description: 'It leaves the list and takes no new events; its runs and history stay.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 204, description: 'Archived' })
  @ApiErrors(404)
  archive(@Param('id') id: string): Promise<void> {
    return this.flows.archive(flowId(id));
  }
}
