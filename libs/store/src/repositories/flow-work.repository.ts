/**
 * The read behind a flow's live figures (docs/live-topology.md): the steps
 * in progress and the retries waiting in its running runs, and its step
 * messages in the outbox, in one statement whose every part is bounded.
 */
import type { FlowWork, FlowWorkLimits, NodeWork } from '@sluice/runtime';
import type { DataSource } from 'typeorm';
import { autocommit, isUuid } from './sql';

interface FlowWorkRow {
  runs: number;
  nodes: { node_id: string; in_flight: number; retries: number }[];
  outbox_read: number;
  outbox_flow: number;
}

const ACTIVE = `status IN ('queued', 'running')`;

/**
 * $1 flow id, $2 most runs read, $3 most outbox rows examined.
 *
 * - The running runs come from the partial index `runs_flow_active_idx`
 *   (migration 1768003200000), which holds only runs in progress: a flow's
 *   finished runs, however many, are never read.
 * - Their steps are read from `state->'steps'` in the database; nothing but
 *   the counts leaves it.
 * - Retries are the runs' `timers` rows, found by the primary key's run id.
 * - The outbox is examined oldest first by `outbox_created_at_idx`; a step
 *   message names its run, whose flow the primary key of `runs` gives.
 *   Events name no run and count for no flow.
 */
export const FLOW_WORK_SQL = `
  WITH active AS (
    SELECT id, state FROM runs
    WHERE flow_id = $1::uuid AND ${ACTIVE}
    ORDER BY started_at DESC, id DESC
    LIMIT $2
  ),
  steps AS (
    SELECT s->>'nodeId' AS node_id, count(*)::int AS n
    FROM active a CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(a.state->'steps') = 'array' THEN a.state->'steps' ELSE '[]' END) s
    WHERE s->>'status' IN ('scheduled', 'running')
    GROUP BY 1
  ),
  retries AS (
    SELECT t.node_id, count(*)::int AS n
    FROM active a JOIN timers t ON t.run_id = a.id
    WHERE t.reason = 'retry'
    GROUP BY 1
  ),
  examined AS (
    SELECT message FROM outbox ORDER BY created_at, id LIMIT $3 + 1
  )
  SELECT
    (SELECT count(*)::int FROM (SELECT 1 FROM runs WHERE flow_id = $1::uuid AND ${ACTIVE} LIMIT $2 + 1) c) AS runs,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('node_id', node_id, 'in_flight', coalesce(s.n, 0), 'retries', coalesce(r.n, 0))), '[]')
       FROM steps s FULL JOIN retries r USING (node_id)) AS nodes,
    (SELECT count(*)::int FROM examined) AS outbox_read,
    (SELECT count(*)::int FROM (SELECT message FROM examined LIMIT $3) o
       JOIN runs r ON r.id = CASE WHEN o.message->>'runId' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                  THEN (o.message->>'runId')::uuid END
       WHERE o.message->>'kind' = 'step' AND r.flow_id = $1::uuid) AS outbox_flow`;

/** The flow's work in progress, within `limits`; an id that cannot be a flow's has none. */
export async function readFlowWork(dataSource: DataSource, flowId: string, limits: FlowWorkLimits): Promise<FlowWork> {
  if (!isUuid(flowId)) return { runsRunning: 0, runsCapped: false, nodes: [], outboxRows: 0, outboxCapped: false };
  const [row] = await autocommit<FlowWorkRow>(dataSource, FLOW_WORK_SQL, [flowId, limits.maxRuns, limits.maxOutboxRows]);
  if (row === undefined) throw new Error('the flow work read returned no row');
  const nodes: NodeWork[] = row.nodes
    .filter((node) => typeof node.node_id === 'string')
    .map((node) => ({ nodeId: node.node_id, inFlight: node.in_flight, retriesWaiting: node.retries }))
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  return {
    runsRunning: Math.min(row.runs, limits.maxRuns),
    runsCapped: row.runs > limits.maxRuns,
    nodes,
    outboxRows: row.outbox_flow,
    outboxCapped: row.outbox_read > limits.maxOutboxRows,
  };
}
