import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `step_deliveries`: how many times a step message has been delivered
 * without being settled, and the last error it failed with. RabbitMQ's
 * classic queues carry no delivery count, so workers count here, each count
 * in a transaction of its own, and dead-letter a step whose message reaches
 * SLUICE_MAX_DELIVERIES (docs/guarantees.md#redelivery). Rows exist only for
 * messages that failed or came back; they are keyed by the message id (the
 * outbox id), so a redriven step starts a fresh count, and rows untouched
 * for a day are pruned by the counting statements.
 */
export class StepDeliveries1767484800000 implements MigrationInterface {
  name = 'StepDeliveries1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE step_deliveries (
        message_id text        PRIMARY KEY,
        run_id     text        NOT NULL,
        node_id    text        NOT NULL,
        attempt    integer     NOT NULL,
        deliveries integer     NOT NULL CHECK (deliveries >= 1),
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX step_deliveries_updated_at_idx ON step_deliveries (updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS step_deliveries');
  }
}
