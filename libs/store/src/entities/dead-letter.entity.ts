import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { StepError } from '@sluice/contracts';

export type DeadLetterStatus = 'open' | 'redriven' | 'discarded';

/**
 * `dead_letters`: steps whose attempts ran out. Rows are never deleted:
 * redrive and discard set `status` and `resolved_at`, and only `open` rows
 * are listed (partial index on created_at).
 */
@Entity({ name: 'dead_letters' })
@Index('dead_letters_open_idx', ['createdAt', 'id'], { where: `status = 'open'` })
export class DeadLetterEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId!: string;

  @Column({ name: 'node_id', type: 'text' })
  nodeId!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'jsonb' })
  error!: StepError;

  /** `open`, `redriven` or `discarded` (CHECK constraint). */
  @Column({ type: 'text', default: 'open' })
  status!: DeadLetterStatus;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;
}
