import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Advisory lock key that orders flow changes against fan-outs ('sluicefr' as
 * a big-endian int8). Flow changes take it exclusively, fan-outs shared.
 */
const FLOW_REVISION_LOCK = '8317151707346069106';

/**
 * `flow_revision`: one row whose counter moves with every change to `flows`
 * (create, save, archive), in the changing transaction, by a row trigger, so
 * no writer can forget it. Processes cache the subscribe flows together with
 * the revision they were read at, and a transaction that fans an event out
 * reads the revision through `sluice_flow_revision()` to learn whether its
 * cache is current (docs/guarantees.md#subscribers).
 *
 * The advisory lock makes that read and flow changes take turns: a flow
 * change waits for the fan-outs that read the revision before it to commit,
 * and a fan-out that asks while a change is in progress waits for its commit,
 * then reads the new revision. The function is VOLATILE so its SELECT takes a
 * snapshot after the lock is granted (a single statement's snapshot would
 * predate the commit it waited for). Shared advisory locks live in memory:
 * the read writes nothing.
 */
export class FlowRevision1767571200000 implements MigrationInterface {
  name = 'FlowRevision1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE flow_revision (
        single   boolean PRIMARY KEY DEFAULT true CHECK (single),
        revision bigint  NOT NULL
      )`);
    await q.query('INSERT INTO flow_revision (revision) VALUES (0)');
    await q.query(`
      CREATE FUNCTION sluice_flow_revision() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(${FLOW_REVISION_LOCK});
        RETURN (SELECT revision FROM flow_revision);
      END $$`);
    await q.query(`
      CREATE FUNCTION sluice_flow_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(${FLOW_REVISION_LOCK});
        UPDATE flow_revision SET revision = revision + 1;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER flows_revision AFTER INSERT OR UPDATE OR DELETE ON flows
      FOR EACH ROW EXECUTE FUNCTION sluice_flow_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS flows_revision ON flows');
    await q.query('DROP FUNCTION IF EXISTS sluice_flow_changed()');
    await q.query('DROP FUNCTION IF EXISTS sluice_flow_revision()');
    await q.query('DROP TABLE IF EXISTS flow_revision');
  }
}
