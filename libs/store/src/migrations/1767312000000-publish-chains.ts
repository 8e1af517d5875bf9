import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `publish_chains`: how many runs publish steps have started for each
 * originating event, all hops together. A publish step adds its fan-out here
 * in the transaction that starts those runs, so the row lock orders
 * concurrent workers and the count never passes SLUICE_MAX_CHAIN_RUNS
 * (docs/publish-chains.md).
 */
export class PublishChains1767312000000 implements MigrationInterface {
  name = 'PublishChains1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE publish_chains (
        origin_event_id text        PRIMARY KEY,
        runs            integer     NOT NULL CHECK (runs >= 0),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS publish_chains');
  }
}
