import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial schema. Hand-written: migrations are the only way the schema is
 * made (never `synchronize`). Only built-in features, so it runs unchanged on
 * a PostgreSQL server and on PGlite (`gen_random_uuid()` is core since PG 13).
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE flows (
        id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name           text        NOT NULL,
        description    text,
        archived       boolean     NOT NULL DEFAULT false,
        latest_version integer     NOT NULL CHECK (latest_version >= 1),
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX flows_created_at_idx ON flows (created_at, id)`);

    await q.query(`
      CREATE TABLE flow_versions (
        flow_id    uuid        NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
        version    integer     NOT NULL CHECK (version >= 1),
        graph      jsonb       NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (flow_id, version)
      )`);

    await q.query(`
      CREATE TABLE runs (
        id           uuid        PRIMARY KEY,
        flow_id      uuid        NOT NULL REFERENCES flows (id),
        flow_version integer     NOT NULL,
        event_id     text        NOT NULL,
        status       text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'ignored')),
        state        jsonb       NOT NULL,
        last_seq     integer     NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        started_at   timestamptz NOT NULL,
        updated_at   timestamptz NOT NULL,
        finished_at  timestamptz,
        CONSTRAINT runs_flow_event_key UNIQUE (flow_id, event_id)
      )`);
    await q.query(`CREATE INDEX runs_started_idx ON runs (started_at DESC, id DESC)`);
    await q.query(`CREATE INDEX runs_flow_started_idx ON runs (flow_id, started_at DESC, id DESC)`);
    await q.query(`CREATE INDEX runs_status_started_idx ON runs (status, started_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE history (
        run_id  uuid        NOT NULL,
        seq     integer     NOT NULL CHECK (seq >= 1),
        type    text        NOT NULL,
        node_id text,
        at      timestamptz NOT NULL,
        data    jsonb       NOT NULL,
        PRIMARY KEY (run_id, seq)
      )`);

    await q.query(`
      CREATE TABLE outbox (
        id         uuid        PRIMARY KEY,
        message    jsonb       NOT NULL,
        fanned_out boolean     NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX outbox_created_at_idx ON outbox (created_at, id)`);

    await q.query(`
      CREATE TABLE timers (
        run_id  uuid        NOT NULL,
        node_id text        NOT NULL,
        attempt integer     NOT NULL CHECK (attempt >= 1),
        due_at  timestamptz NOT NULL,
        reason  text        NOT NULL CHECK (reason IN ('retry', 'delay')),
        PRIMARY KEY (run_id, node_id)
      )`);
    await q.query(`CREATE INDEX timers_due_at_idx ON timers (due_at)`);

    await q.query(`
      CREATE TABLE dead_letters (
        id          uuid        PRIMARY KEY,
        run_id      uuid        NOT NULL REFERENCES runs (id),
        flow_id     uuid        NOT NULL,
        node_id     text        NOT NULL,
        attempts    integer     NOT NULL,
        error       jsonb       NOT NULL,
        status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'redriven', 'discarded')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz
      )`);
    await q.query(`CREATE INDEX dead_letters_open_idx ON dead_letters (created_at, id) WHERE status = 'open'`);
    await q.query(`CREATE INDEX dead_letters_run_idx ON dead_letters (run_id)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        flow_id    uuid        NOT NULL,
        key        text        NOT NULL,
        run_id     uuid        NOT NULL,
        event_id   text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (flow_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'dead_letters', 'timers', 'outbox', 'history', 'runs', 'flow_versions', 'flows']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
