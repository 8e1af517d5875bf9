import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { RunState, RunStatus } from '@sluice/contracts';

/**
 * `runs`: the projection of each run's history. `state` holds the whole
 * RunState and is what reads return; the other columns are copies of its
 * fields for filtering, ordering and uniqueness.
 *
 * - UNIQUE (flow_id, event_id): one run per event per flow (redelivered triggers dedupe here).
 * - `last_seq` is the seq of the last history row actually written (0 right
 *   after `insertRuns`); `write` only applies a projection whose events
 *   continue from it, which keeps the history gap-free.
 * - Indexes `(started_at DESC, id DESC)`, with `flow_id` or `status` in front,
 *   serve the newest-first keyset listing (declared in the migration only:
 *   decorators cannot express DESC keys).
 */
@Entity({ name: 'runs' })
@Unique('runs_flow_event_key', ['flowId', 'eventId'])
export class RunEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId!: string;

  @Column({ name: 'flow_version', type: 'integer' })
  flowVersion!: number;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ type: 'text' })
  status!: RunStatus;

  @Column({ type: 'jsonb' })
  state!: RunState;

  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
