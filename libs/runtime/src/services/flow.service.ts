import type { FlowDto, FlowGraph, FlowVersionDto, ValidationResult } from '@sluice/contracts';
import { validateGraph } from '@sluice/engine';
import type { FlowRecord, StorePort } from '../ports/store.port';
import { DomainError } from '../errors/domain-error';
import type { FlowCache } from './flow-cache';

/** Flows and their immutable versions. Every save is validated and becomes a new version. */
export class FlowService {
  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
  ) {}

  validate(graph: unknown): ValidationResult {
    return validateGraph(graph);
  }

  async create(input: { name: string; description?: string | null; graph: FlowGraph }): Promise<FlowDto> {
    this.assertValid(input.graph);
    const record = await this.store.createFlow({ name: input.name, description: input.description ?? null, graph: input.graph });
    this.flows.invalidate(record.id);
    return toDto(record);
  }

  async save(id: string, input: { name?: string; description?: string | null; graph: FlowGraph }): Promise<FlowDto> {
    this.assertValid(input.graph);
    const record = await this.store.saveFlowVersion(id, input);
    this.flows.invalidate(id);
    if (!record) throw new DomainError('not_found', `Flow ${id} does not exist`);
    return toDto(record);
  }

  async get(id: string, version?: number): Promise<FlowDto> {
    const record = await this.store.getFlow(id, version);
    if (!record) throw new DomainError('not_found', version ? `Flow ${id} has no version ${version}` : `Flow ${id} does not exist`);
    return toDto(record);
  }

  /** Active flows at their latest version, oldest first, a page at a time (`limit` 1…500). */
  async list(query: { limit: number; cursor?: string }): Promise<{ items: FlowDto[]; nextCursor: string | null }> {
    const page = await this.store.listFlowPage(query);
    return { items: page.items.map(toDto), nextCursor: page.nextCursor };
  }

  async versions(id: string): Promise<FlowVersionDto[]> {
    const versions = await this.store.listFlowVersions(id);
    if (!versions) throw new DomainError('not_found', `Flow ${id} does not exist`);
    return versions;
  }

  async archive(id: string): Promise<void> {
    const archived = await this.store.archiveFlow(id);
    this.flows.invalidate(id);
    if (!archived) throw new DomainError('not_found', `Flow ${id} does not exist`);
  }

  private assertValid(graph: FlowGraph): void {
    const result = validateGraph(graph);
    if (!result.valid) throw new DomainError('invalid_graph', 'The graph is not valid', { errors: result.errors });
  }
}

function toDto(record: FlowRecord): FlowDto {
  return { ...record };
}
