import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `idempotency_keys`: `Idempotency-Key` header values per flow. A key holds
 * its run for 24 h (measured from `created_at`); an older claim is taken over.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'flow_id', type: 'uuid' })
  flowId!: string;

  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
