import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * `timers`: step messages due later (retry backoff or a delay node), at most
 * one per (run_id, node_id). `fireDueTimers` turns due rows into outbox rows
 * and deletes them in one statement; the due_at index finds them.
 */
@Entity({ name: 'timers' })
@Index('timers_due_at_idx', ['dueAt'])
export class TimerEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ name: 'node_id', type: 'text' })
  nodeId!: string;

  /** The attempt the step message will carry. */
  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  /** `retry` or `delay` (CHECK constraint). */
  @Column({ type: 'text' })
  reason!: 'retry' | 'delay';
}
