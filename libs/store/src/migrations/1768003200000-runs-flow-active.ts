import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `runs_flow_active_idx`: a flow's runs in progress, newest first, for its
 * live figures (docs/live-topology.md). The other indexes of `runs` would
 * make "the running runs of this flow" read every run the flow ever had
 * (`runs_flow_started_idx`) or every running run of every flow
 * (`runs_status_started_idx`). This one is partial: it holds only runs
 * whose status is `queued` or `running`, so it stays as small as the work
 * in progress, and a read of it never touches a finished run. A run enters
 * it when inserted and leaves when its status changes; writes that keep the
 * status (most step commits) change none of its columns.
 *
 * Built without CONCURRENTLY (migrations run in a transaction): on a large
 * `runs` table it blocks writes to runs while it builds, a scan of the table.
 */
export class RunsFlowActive1768003200000 implements MigrationInterface {
  name = 'RunsFlowActive1768003200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX runs_flow_active_idx ON runs (flow_id, started_at DESC, id DESC) WHERE status IN ('queued', 'running')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS runs_flow_active_idx');
  }
}
