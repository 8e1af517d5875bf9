import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `run_search_keys`: the values of each run's search keys
 * (docs/flow-model.md#search-keys), written in the statement that inserts
 * the run. One btree index answers "runs of this flow whose key has this
 * value, newest first" with the runs list's keyset cursor (`started_at`,
 * then the run id, descending), so a lookup reads only the rows of its page
 * however many runs the flow has. No foreign key to `runs`, like `history`:
 * the rows are written with their run in one statement, and a per-row check
 * would tax the insert. Runs started before this migration had no keys to
 * index, so nothing is filled in.
 */
export class RunSearchKeys1767830400000 implements MigrationInterface {
  name = 'RunSearchKeys1767830400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE run_search_keys (
        flow_id    uuid        NOT NULL,
        name       text        NOT NULL,
        value      text        NOT NULL,
        started_at timestamptz NOT NULL,
        run_id     uuid        NOT NULL
      )`);
    await q.query('CREATE INDEX run_search_keys_lookup_idx ON run_search_keys (flow_id, name, value, started_at DESC, run_id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS run_search_keys');
  }
}
