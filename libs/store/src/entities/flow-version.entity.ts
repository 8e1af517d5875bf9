import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { FlowGraph } from '@sluice/contracts';

/** `flow_versions`: immutable graphs, one per save, keyed by (flow_id, version). */
@Entity({ name: 'flow_versions' })
export class FlowVersionEntity {
  @PrimaryColumn({ name: 'flow_id', type: 'uuid' })
  flowId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  /** React Flow's `{nodes, edges}` exactly as the editor saved it. */
  @Column({ type: 'jsonb' })
  graph!: FlowGraph;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
