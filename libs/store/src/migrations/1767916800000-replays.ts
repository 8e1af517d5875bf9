import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `replays` and `replay_events`: shadow replays (docs/replay.md), the only
 * tables a replay writes. A partial unique index allows one running replay
 * per flow, so every API process agrees; a running replay's `updated_at`
 * moves as it makes progress, and one left behind by a process that died is
 * failed once it has not moved for a while. Each event row holds the line
 * the replay lists (`diff`), the replayed side (`replayed`), and the seq of
 * the original run's history it was compared with; events go with their
 * replay. Replays keep no foreign key to `runs`: runs are read, never changed.
 */
export class Replays1767916800000 implements MigrationInterface {
  name = 'Replays1767916800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replays (
        id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        flow_id         uuid        NOT NULL REFERENCES flows (id),
        status          text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        request         jsonb       NOT NULL,
        subject_version integer,
        progress_done   integer     NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
        progress_total  integer     NOT NULL CHECK (progress_total >= 0),
        summary         jsonb       NOT NULL,
        nodes           jsonb       NOT NULL DEFAULT '[]',
        edges           jsonb       NOT NULL DEFAULT '[]',
        error           text,
        created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at     timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX replays_running_idx ON replays (flow_id) WHERE status = 'running'`);
    await q.query('CREATE INDEX replays_flow_created_idx ON replays (flow_id, created_at DESC, id DESC)');
    await q.query(`
      CREATE TABLE replay_events (
        replay_id    uuid    NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
        ordinal      integer NOT NULL CHECK (ordinal >= 0),
        run_id       uuid    NOT NULL,
        changed      boolean NOT NULL,
        original_seq integer NOT NULL,
        diff         jsonb   NOT NULL,
        replayed     jsonb   NOT NULL,
        PRIMARY KEY (replay_id, ordinal)
      )`);
    await q.query('CREATE UNIQUE INDEX replay_events_run_idx ON replay_events (replay_id, run_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS replay_events');
    await q.query('DROP TABLE IF EXISTS replays');
  }
}
