import type { FlowGraph, GraphWarning, RunState, StepError } from '@sluice/contracts';
import { openPlatform, type Platform } from '@sluice/platform';
import { silentLogger } from '@sluice/runtime';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite, type SluiceSuite } from '../support/sluice-harness';

/**
 * Publish loops end (issue 6, item 4). A flow that publishes to its own topic
 * twice doubles its runs every generation; the chain's run budget and hop
 * limit stop it, failing the publish steps past them for good.
 */

/** subscribe "loop" → two publish nodes to "loop": every run starts two more. */
const LOOP: FlowGraph = graph(
  [node('s', 'subscribe', { topic: 'loop' }), node('p1', 'publish', { topic: 'loop' }), node('p2', 'publish', { topic: 'loop' })],
  [edge('s', 'p1'), edge('s', 'p2')],
);

/** Budget of the loop suites; the hop limit is set above it so that only the budget can end the loop. */
const CHAIN_RUNS = 50;
/** Hop limit of the linear-chain suites. */
const DEPTH = 3;

interface DeadStep {
  runId: string;
  nodeId: string;
  error: StepError;
}

/**
 * Waits until every run of the flows has finished and their count held
 * still, then checks that it stays still for another second.
 * @returns the flows' run count.
 */
async function waitUntilQuiet(suite: SluiceSuite, flowIds: string[], timeoutMs = 15_000): Promise<number> {
  const counts = async () => {
    const [row] = await suite.sluice.sql<{ total: number; active: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS active FROM runs WHERE flow_id = ANY($1::uuid[])`,
      [flowIds],
    );
    return row ?? { total: 0, active: 0 };
  };
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const { total, active } = await counts();
    if (active === 0 && total === last) break;
    if (Date.now() > deadline) throw new Error(`runs still moving after ${timeoutMs} ms: ${total} runs, ${active} active`);
    last = total;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await counts();
  expect(after).toEqual({ total: last, active: 0 });
  return last;
}

async function deadPublishSteps(suite: SluiceSuite, flowId: string): Promise<DeadStep[]> {
  return suite.sluice.sql<DeadStep>(
    `SELECT run_id AS "runId", node_id AS "nodeId", error FROM dead_letters WHERE flow_id = $1 ORDER BY created_at, id`,
    [flowId],
  );
}

async function runsOf(suite: SluiceSuite, flowId: string): Promise<RunState[]> {
  const rows = await suite.sluice.sql<{ state: RunState }>('SELECT state FROM runs WHERE flow_id = $1 ORDER BY started_at, id', [flowId]);
  return rows.map((row) => row.state);
}

describe.each(['server', 'rabbitmq'] as const)('publish loops end (%s)', (mode) => {
  describe('at the run budget', () => {
    const suite = sluiceSuite(mode, { SLUICE_MAX_CHAIN_RUNS: String(CHAIN_RUNS), SLUICE_MAX_PUBLISH_DEPTH: '60' });
    /** In production mode, a second worker process's runtime competes for the same queues. */
    let secondWorker: Platform | undefined;

    beforeAll(async () => {
      if (mode === 'rabbitmq') secondWorker = await openPlatform(suite.sluice.platform.settings, silentLogger, { worker: true });
    });
    afterAll(async () => {
      await secondWorker?.close();
    });

    it('warns about the loop when validating, and still saves the flow', async () => {
      const validated = await suite.api.request<{ valid: boolean; errors: unknown[]; warnings: GraphWarning[] }>('POST', '/api/flows/validate', { graph: LOOP });
      expect(validated.status).toBe(200);
      expect(validated.body.valid).toBe(true);
      expect(validated.body.errors).toEqual([]);
      expect(validated.body.warnings.map((warning) => warning.nodeId)).toEqual(['p1', 'p2']);
      expect(validated.body.warnings[0]?.message).toContain('Node "p1" (publish) publishes to "loop", which this flow\'s own subscribe node "s" ("loop") matches');
      const created = await suite.api.request('POST', '/api/flows', { name: 'warned loop', graph: LOOP });
      expect(created.status).toBe(201);
    });

    it('stops a doubling loop at exactly the budget, failing the last publish steps for good, and goes quiet', async () => {
      const flow = await suite.api.createFlow('loop', LOOP);
      // The flow of the previous case also subscribes to "loop": archive it so only this one runs.
      const others = await suite.sluice.sql<{ id: string }>(`SELECT id FROM flows WHERE id <> $1`, [flow.id]);
      for (const { id } of others) expect((await suite.api.request('DELETE', `/api/flows/${id}`, undefined, { 'content-type': 'application/json' })).status).toBe(204);

      const published = await suite.api.request<{ eventId: string; runIds: string[] }>('POST', '/api/topics/loop/events', { n: 1 });
      expect(published.status).toBe(202);
      expect(published.body.runIds).toHaveLength(1);
      const total = await waitUntilQuiet(suite, [flow.id]);

      // The origin's run plus exactly the budget of runs started by publish steps.
      expect(total).toBe(1 + CHAIN_RUNS);
      const runs = await runsOf(suite, flow.id);
      expect(runs.filter((run) => run.source === 'publish')).toHaveLength(CHAIN_RUNS);
      expect(new Set(runs.map((run) => run.chain?.originEventId))).toEqual(new Set([published.body.eventId]));
      const [chainRow] = await suite.sluice.sql<{ runs: number }>('SELECT runs FROM publish_chains WHERE origin_event_id = $1', [published.body.eventId]);
      expect(chainRow?.runs).toBe(CHAIN_RUNS);

      // Each run has two publish steps: CHAIN_RUNS of them published, every other one is dead.
      const dead = await deadPublishSteps(suite, flow.id);
      expect(dead).toHaveLength(2 * (1 + CHAIN_RUNS) - CHAIN_RUNS);
      for (const step of dead) {
        expect(['p1', 'p2']).toContain(step.nodeId);
        expect(step.error).toMatchObject({ code: 'publish_budget', retryable: false });
        expect(step.error.message).toContain(`of at most ${CHAIN_RUNS} (SLUICE_MAX_CHAIN_RUNS)`);
      }
      const failed = await suite.api.run(dead[0]!.runId);
      expect(failed.status).toBe('failed');
      expect(failed.steps.find((step) => step.nodeId === dead[0]!.nodeId)).toMatchObject({
        status: 'dead', attempts: 1, error: { code: 'publish_budget', retryable: false },
      });
      const retries = await suite.sluice.sql(`SELECT 1 FROM timers t JOIN runs r ON r.id = t.run_id WHERE r.flow_id = $1`, [flow.id]);
      expect(retries).toHaveLength(0);
      if (secondWorker) {
        // Both workers committed publish steps: the budget held across processes competing for the queue.
        const started = Number(/^sluice_runs_started_total (\d+)/m.exec(await secondWorker.runtime.metrics.text())?.[1] ?? 0);
        expect(started).toBeGreaterThan(0);
      }
    });

    it('records each run\'s chain in its history', async () => {
      const [child] = await suite.sluice.sql<{ id: string; parent: string }>(
        `SELECT id, state->>'parentRunId' AS parent FROM runs WHERE state->>'source' = 'publish' ORDER BY started_at LIMIT 1`,
      );
      const history = await suite.api.history(child!.id);
      const parent = await suite.api.run(child!.parent);
      expect(history[0]).toMatchObject({ type: 'RunStarted', data: { chain: { originEventId: parent.chain?.originEventId, depth: (parent.chain?.depth ?? 0) + 1 } } });
    });

    it('counts the budget exactly under concurrent transactions, and gives it back on rollback', async () => {
      const store = suite.sluice.platform.store;
      const origin = `concurrent-${mode}`;
      const grants = await Promise.all(
        Array.from({ length: 20 }, () => store.transaction((tx) => tx.reserveChainRuns([{ originEventId: origin, runs: 3 }], CHAIN_RUNS))),
      );
      expect(grants.filter(([grant]) => grant?.granted)).toHaveLength(Math.floor(CHAIN_RUNS / 3));
      await expect(store.transaction(async (tx) => {
        await tx.reserveChainRuns([{ originEventId: origin, runs: 2 }], CHAIN_RUNS);
        throw new Error('rolled back');
      })).rejects.toThrow('rolled back');
      const more = await store.transaction((tx) =>
        tx.reserveChainRuns([{ originEventId: origin, runs: 3 }, { originEventId: origin, runs: 2 }, { originEventId: origin, runs: 1 }], CHAIN_RUNS),
      );
      expect(more).toEqual([{ granted: false, used: 48 }, { granted: true, used: 48 }, { granted: false, used: 50 }]);
      const [row] = await suite.sluice.sql<{ runs: number }>('SELECT runs FROM publish_chains WHERE origin_event_id = $1', [origin]);
      expect(row?.runs).toBe(CHAIN_RUNS);
    });
  });

  describe('at the hop limit', () => {
    const suite = sluiceSuite(mode, { SLUICE_MAX_PUBLISH_DEPTH: String(DEPTH) });
    /** hop0 (trigger) → publish hop1 → … → hopN: flow k subscribes to "hopK" and publishes "hopK+1". */
    const chain: { id: string }[] = [];

    beforeAll(async () => {
      for (let hop = 0; hop <= DEPTH + 1; hop++) {
        const entry = hop === 0 ? node('in', 'trigger') : node('in', 'subscribe', { topic: `hop${hop}` });
        const next = hop <= DEPTH ? node('out', 'publish', { topic: `hop${hop + 1}` }) : node('out', 'end');
        chain.push(await suite.api.createFlow(`hop ${hop}`, graph([entry, next], [edge('in', 'out')])));
      }
    });

    it('fails the publish of the hop past the limit, for good, and runs nothing beyond it', async () => {
      const { runId, eventId } = await suite.api.trigger(chain[0]!.id, { go: 1 });
      await suite.api.waitForRun(runId);
      await waitUntilQuiet(suite, chain.map((flow) => flow.id));

      const runs: RunState[][] = [];
      for (const flow of chain) runs.push(await runsOf(suite, flow.id));
      // Runs at depth 0 … DEPTH, all of the REST event's chain; the flow one hop further never runs.
      expect(runs.map((list) => list.length)).toEqual([...Array.from({ length: DEPTH + 1 }, () => 1), 0]);
      expect(runs.slice(0, DEPTH + 1).map((list) => list[0]?.chain)).toEqual(
        Array.from({ length: DEPTH + 1 }, (_, depth) => ({ originEventId: eventId, depth })),
      );
      expect(runs.slice(0, DEPTH).map((list) => list[0]?.status)).toEqual(Array.from({ length: DEPTH }, () => 'succeeded'));
      const last = runs[DEPTH]![0]!;
      expect(last.status).toBe('failed');
      expect(last.steps.find((step) => step.nodeId === 'out')).toMatchObject({
        status: 'dead',
        attempts: 1,
        error: {
          code: 'publish_depth',
          retryable: false,
          message: `Node "out" (publish) would make hop ${DEPTH + 1} of the publish chain of event ${eventId}, past the limit of ${DEPTH} hops (SLUICE_MAX_PUBLISH_DEPTH)`,
        },
      });
      expect(await deadPublishSteps(suite, chain[DEPTH]!.id)).toHaveLength(1);
    });

    it('starts a new chain at depth 0 for an event published from outside', async () => {
      const published = await suite.api.request<{ eventId: string; runIds: string[] }>('POST', `/api/topics/hop${DEPTH}/events`, { outside: true });
      expect(published.status).toBe(202);
      const [first] = published.body.runIds;
      expect((await suite.api.waitForRun(first!)).chain).toEqual({ originEventId: published.body.eventId, depth: 0 });
      await waitUntilQuiet(suite, chain.map((flow) => flow.id));
      const beyond = await runsOf(suite, chain[DEPTH + 1]!.id);
      expect(beyond.map((run) => [run.status, run.chain])).toEqual([['succeeded', { originEventId: published.body.eventId, depth: 1 }]]);
    });
  });
});
