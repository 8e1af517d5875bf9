import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQL that renames a key of each step in `runs.state.steps`, keeping the steps
 * in order; only runs that have a step with the old key are rewritten.
 */
function renameStepKey(from: string, to: string): string {
  return `
    UPDATE runs SET state = jsonb_set(state, '{steps}', (
      SELECT jsonb_agg(CASE WHEN s ? '${from}' THEN (s - '${from}') || jsonb_build_object('${to}', s->'${from}') ELSE s END ORDER BY i)
      FROM jsonb_array_elements(state->'steps') WITH ORDINALITY AS e(s, i)))
    WHERE jsonb_typeof(state->'steps') = 'array'
      AND EXISTS (SELECT 1 FROM jsonb_array_elements(state->'steps') AS e(s) WHERE s ? '${from}')`;
}

/**
 * A step's timer time is `dueAt` in the run state (it was `nextRetryAt`, which
 * also held a delay's end). The history is unchanged: its events already say
 * `dueAt`. Stored projections are rewritten so runs in flight keep their
 * retries and delays.
 */
export class StepDueAt1767398400000 implements MigrationInterface {
  name = 'StepDueAt1767398400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(renameStepKey('nextRetryAt', 'dueAt'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(renameStepKey('dueAt', 'nextRetryAt'));
  }
}
