import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * `flows`: one row per flow; the graph lives in `flow_versions`.
 * `latest_version` is bumped under the row lock of an `UPDATE`, so concurrent
 * saves get consecutive versions. Archived flows keep their rows (runs refer to them).
 */
@Entity({ name: 'flows' })
export class FlowEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'boolean', default: false })
  archived!: boolean;

  /** Version number of the newest row in `flow_versions`, starting at 1. */
  @Column({ name: 'latest_version', type: 'integer' })
  latestVersion!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
