import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HistoryEventType } from '@sluice/contracts';

/**
 * `history`: the append-only event log. PRIMARY KEY (run_id, seq) rejects a
 * second event at the same place; gaps are prevented by the `last_seq` check
 * on `runs` in the same statement. Rows are never updated or deleted.
 * No foreign key to `runs`: the adapter writes both together, and a per-row
 * FK trigger would tax the hottest insert.
 */
@Entity({ name: 'history' })
export class HistoryEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  /** 1, 2, 3 … per run. */
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: 'text' })
  type!: HistoryEventType;

  @Column({ name: 'node_id', type: 'text', nullable: true })
  nodeId!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'jsonb' })
  data!: unknown;
}
