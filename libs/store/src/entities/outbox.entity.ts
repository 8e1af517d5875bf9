import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { BrokerMessage } from '@sluice/contracts';

/**
 * `outbox`: broker messages written in the transaction that caused them and
 * deleted once the broker holds them durably. Whatever is left after a crash
 * is re-sent, oldest first (index on created_at).
 */
@Entity({ name: 'outbox' })
@Index('outbox_created_at_idx', ['createdAt', 'id'])
export class OutboxEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'jsonb' })
  message!: BrokerMessage;

  /** For `event` messages: Sluice already started its own subscriber runs. */
  @Column({ name: 'fanned_out', type: 'boolean', default: false })
  fannedOut!: boolean;

  /** Transaction start time of the writer. */
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
