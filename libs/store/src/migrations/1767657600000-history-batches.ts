import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An event's `at` as the JSON text the store writes (`Date.toISOString()`:
 * UTC, milliseconds, `Z`), so a migrated event reads back as it did from the
 * `timestamptz` column.
 */
const ISO_AT = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One event of the old shape as an element of `history.events`: `{ seq, type, nodeId?, at, data }`. */
const EVENT_ELEMENT = `jsonb_build_object('seq', seq, 'type', type, 'at', ${ISO_AT}, 'data', data)
  || CASE WHEN node_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('nodeId', node_id) END`;

/**
 * The history is stored as batches: one row per run per commit, holding the
 * events that commit appended to the run, in seq order (docs/history.md,
 * docs/schema.md). A commit of a step used to insert a row per event (about
 * 26 per standard event); now it inserts one per run it touches.
 *
 * - `first_seq`, `last_seq`: the seq range of the batch; `events` holds
 *   exactly `last_seq - first_seq + 1` events, `first_seq` … `last_seq`.
 * - `events`: a JSON array of `{ seq, type, nodeId?, at, data }`, each a
 *   HistoryEvent without its `runId` (the row's `run_id`).
 * - `written_at`: when the writing transaction began (for migrated rows, the
 *   `at` of the batch's last event; they were written before the column).
 * - `history_pkey` is `(run_id, first_seq)`: a second batch starting at the
 *   same seq is refused, which the store reports as a conflict. The
 *   authority on where a run's log ends stays `runs.last_seq`, checked by the
 *   same statement.
 *
 * The view `history_events (run_id, seq, type, node_id, at, data)` flattens
 * the batches into the old one-row-per-event shape, for ad-hoc SQL.
 *
 * Existing events become one row per gap-free range of each run's seqs (one
 * range per run in a log the store wrote).
 */
export class HistoryBatches1767657600000 implements MigrationInterface {
  name = 'HistoryBatches1767657600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE history RENAME TO history_per_event');
    await q.query('ALTER TABLE history_per_event RENAME CONSTRAINT history_pkey TO history_per_event_pkey');
    await q.query(`
      CREATE TABLE history (
        run_id     uuid        NOT NULL,
        first_seq  integer     NOT NULL CONSTRAINT history_first_seq_check CHECK (first_seq >= 1),
        last_seq   integer     NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now(),
        events     jsonb       NOT NULL,
        CONSTRAINT history_pkey PRIMARY KEY (run_id, first_seq),
        CONSTRAINT history_last_seq_check CHECK (last_seq >= first_seq),
        CONSTRAINT history_events_check CHECK (jsonb_array_length(events) = last_seq - first_seq + 1)
      )`);
    // Gaps and islands: seq - row_number() is constant along a gap-free range.
    await q.query(`
      INSERT INTO history (run_id, first_seq, last_seq, written_at, events)
      SELECT run_id, min(seq), max(seq), (array_agg(at ORDER BY seq DESC))[1], jsonb_agg(element ORDER BY seq)
      FROM (
        SELECT run_id, seq, at, ${EVENT_ELEMENT} AS element,
               seq - row_number() OVER (PARTITION BY run_id ORDER BY seq) AS island
        FROM history_per_event
      ) AS e
      GROUP BY run_id, island`);
    await q.query('DROP TABLE history_per_event');
    await q.query(`
      CREATE VIEW history_events AS
      SELECT h.run_id, (e.event->>'seq')::integer AS seq, e.event->>'type' AS type, e.event->>'nodeId' AS node_id,
             (e.event->>'at')::timestamptz AS at, e.event->'data' AS data
      FROM history h CROSS JOIN LATERAL jsonb_array_elements(h.events) AS e(event)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE history RENAME TO history_batches');
    await q.query('ALTER TABLE history_batches RENAME CONSTRAINT history_pkey TO history_batches_pkey');
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
    await q.query('INSERT INTO history (run_id, seq, type, node_id, at, data) SELECT run_id, seq, type, node_id, at, data FROM history_events');
    await q.query('DROP VIEW history_events');
    await q.query('DROP TABLE history_batches');
  }
}
