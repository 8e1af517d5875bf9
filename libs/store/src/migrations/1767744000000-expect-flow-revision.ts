import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The advisory lock of `sluice_flow_revision()` (migration 1767571200000). */
const FLOW_REVISION_LOCK = '8317151707346069106';

/**
 * `sluice_expect_flow_revision(expected)`: the check of
 * `sluice_flow_revision()` for a commit that is a single statement. It takes
 * the same shared advisory lock (held until the statement's transaction ends,
 * so flow changes and the fan-out take turns exactly as before) and raises
 * SQLSTATE `SLRVM` (with the current revision in DETAIL) when the flow
 * revision is not the one the caller's subscribe flows were read at. The
 * statement then writes nothing, and the caller reloads its subscribe flows
 * and tries again (docs/guarantees.md#subscribers).
 */
export class ExpectFlowRevision1767744000000 implements MigrationInterface {
  name = 'ExpectFlowRevision1767744000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION sluice_expect_flow_revision(expected bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        current bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(${FLOW_REVISION_LOCK});
        SELECT revision INTO current FROM flow_revision;
        IF current IS DISTINCT FROM expected THEN
          RAISE EXCEPTION 'the flow revision moved to %', current USING ERRCODE = 'SLRVM', DETAIL = current::text;
        END IF;
        RETURN true;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION IF EXISTS sluice_expect_flow_revision(bigint)');
  }
}
