import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `publish_chains`: per originating event (a REST trigger or a topic event
 * from outside Sluice), how many runs `publish` steps have started for it,
 * all hops together. Updated only by `RunTransaction.reserveChainRuns`.
 */
@Entity({ name: 'publish_chains' })
export class PublishChainEntity {
  @PrimaryColumn({ name: 'origin_event_id', type: 'text' })
  originEventId!: string;

  @Column({ type: 'integer' })
  runs!: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
