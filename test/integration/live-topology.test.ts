/**
 * `GET /api/flows/:id/live` (docs/live-topology.md): a flow whose http step
 * is slower than the events that reach it shows its work piling up at that
 * node, named the bottleneck, with throughput from the run notices and the
 * broker's queue figures, on the in-process broker, RabbitMQ and SQS; a flow
 * with nothing going on shows zero figures and no bottleneck; the figures of
 * the store are read within bounds however many runs the flow has, and say
 * when they are capped.
 */
import type { ErrorBody, FlowLiveDto, LiveQueueDto } from '@sluice/contracts';
import { LIVE_LIMITS } from '@sluice/runtime';
import { FLOW_WORK_SQL } from '../../libs/store/src/repositories/flow-work.repository';
import { edge, fastRetry, graph, httpFlow, node } from '../support/graphs';
import { sluiceSuite, type Mode, type SluiceSuite } from '../support/sluice-harness';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function live(suite: SluiceSuite, flowId: string): Promise<FlowLiveDto> {
  const response = await suite.api.request<FlowLiveDto>('GET', `/api/flows/${flowId}/live`);
  if (response.status !== 200) throw new Error(`GET /api/flows/${flowId}/live: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** The broker each mode runs on, and which queue figures it can tell. */
const BROKERS: Record<Exclude<Mode, 'pglite'>, { kind: FlowLiveDto['broker']['kind']; inFlight: boolean; consumers: boolean; eventsSource: RegExp }> = {
  server: { kind: 'in-process', inFlight: true, consumers: true, eventsSource: /^sluice\.events$/ },
  rabbitmq: { kind: 'rabbitmq', inFlight: false, consumers: true, eventsSource: /\.sluice\.events$/ },
  sqs: { kind: 'sqs', inFlight: true, consumers: false, eventsSource: /-sluice-events$/ },
};

/** subscribe(orders.*) → end */
const subscribeFlow = () => graph([node('on', 'subscribe', { topic: 'orders.*' }), node('done', 'end')], [edge('on', 'done')]);

describe.each(['server', 'rabbitmq', 'sqs'] as const)('live topology against %s', (mode) => {
  // Two calls at a time, each 1.5 s long, finish about 1.3 events a second: fewer than arrive.
  const suite = sluiceSuite(mode, { WORKER_CONCURRENCY: '2' });
  const broker = BROKERS[mode];

  it('shows work piling up at a slow http node: in flight rising, throughput once calls finish, the node named the bottleneck', async () => {
    suite.target.reply({ status: 200, body: {}, delayMs: 1500 });
    const flow = await suite.api.createFlow('slow', httpFlow(`${suite.target.url}/slow`, fastRetry(1)));
    await live(suite, flow.id);

    let pacing = true;
    const triggers = (async () => {
      while (pacing) {
        await suite.api.trigger(flow.id, {});
        await sleep(250);
      }
    })();
    const seen = { inFlight: [] as number[], throughput: 0, stepsWaiting: 0, bottleneck: null as FlowLiveDto['bottleneck'], last: undefined as FlowLiveDto | undefined };
    try {
      const deadline = Date.now() + 25_000;
      while (Date.now() < deadline && (seen.bottleneck?.nodeId !== 'call' || seen.throughput === 0 || seen.stepsWaiting === 0)) {
        await sleep(300);
        const answer = await live(suite, flow.id);
        const call = answer.nodes.find((entry) => entry.nodeId === 'call');
        seen.inFlight.push(call?.inFlight ?? 0);
        seen.throughput = Math.max(seen.throughput, call?.throughputPerSec ?? 0);
        seen.stepsWaiting = Math.max(seen.stepsWaiting, answer.broker.queues.find((queue) => queue.role === 'steps')?.depth ?? 0);
        if (answer.bottleneck !== null) seen.bottleneck = answer.bottleneck;
        seen.last = answer;
      }
    } finally {
      pacing = false;
      await triggers;
    }

    expect(Math.max(...seen.inFlight)).toBeGreaterThan(seen.inFlight[0] ?? 0);
    expect(Math.max(...seen.inFlight)).toBeGreaterThanOrEqual(LIVE_LIMITS.minWaiting);
    expect(seen.throughput).toBeGreaterThan(0);
    expect(seen.bottleneck).toEqual(expect.objectContaining({ nodeId: 'call', reason: expect.stringMatching(/^in-flight work grew by \d+ in \d+ s while [\d.]+\/s finished$/) }));
    expect(seen.stepsWaiting).toBeGreaterThan(0);

    const last = seen.last;
    if (last === undefined) throw new Error('no answer');
    expect(last.flow.runsRunning).toBeGreaterThan(0);
    expect(last.flow.runsCapped).toBe(false);
    expect(last.nodes.map((entry) => [entry.nodeId, entry.type])).toEqual([['start', 'trigger'], ['call', 'http'], ['done', 'end']]);
    expect(last.broker.kind).toBe(broker.kind);
    expect(last.broker.bindings).toEqual([]);
    const queues: LiveQueueDto[] = last.broker.queues;
    expect(queues.map((queue) => queue.role)).toEqual(['steps', 'ingest']);
    for (const queue of queues) {
      expect(queue.depth).toEqual(expect.any(Number));
      expect(queue.readAt).toEqual(expect.any(String));
      expect(queue.inFlight === null).toBe(!broker.inFlight);
      expect(queue.consumers === null).toBe(!broker.consumers);
    }
    if (broker.consumers) expect(queues[0]?.consumers).toBeGreaterThanOrEqual(1);
  });

  it('shows a flow with nothing going on with zero figures and no bottleneck', async () => {
    const flow = await suite.api.createFlow('idle', httpFlow(`${suite.target.url}/idle`, fastRetry(1)));
    const first = await live(suite, flow.id);
    await sleep(1100);
    const second = await live(suite, flow.id);

    for (const answer of [first, second]) {
      expect(answer.bottleneck).toBeNull();
      expect(answer.flow).toEqual({ runsRunning: 0, runsCapped: false, outboxBacklog: 0, outboxScope: 'flow', outboxCapped: false });
      expect(answer.nodes.every((entry) => entry.inFlight === 0 && entry.retriesWaiting === 0 && entry.throughputPerSec === 0)).toBe(true);
    }
    expect(first.nodes.every((entry) => entry.waitingTrend === null)).toBe(true);
    expect(second.nodes.map((entry) => entry.waitingTrend)).toEqual([0, 0, 0]);
    expect(second.windowSec).toBe(10);
  });

  it('says how events reach a subscribe flow: the ingest binding, then the flow\'s own pattern', async () => {
    const flow = await suite.api.createFlow('subscriber', subscribeFlow());
    const { broker: described } = await live(suite, flow.id);
    const [ingest, subscribe] = described.bindings;
    expect(described.bindings).toHaveLength(2);
    expect(ingest).toEqual(expect.objectContaining({ pattern: '#', reaches: 'ingest', target: described.queues[1]?.name }));
    expect(ingest?.source).toMatch(broker.eventsSource);
    expect(ingest?.filterPolicy === undefined).toBe(mode !== 'sqs');
    expect(subscribe).toEqual({ source: ingest?.source, pattern: 'orders.*', reaches: 'subscribe', target: 'on' });
  });

  it('answers 404 for a flow that does not exist, and answers an archived flow', async () => {
    const unknown = await suite.api.request<ErrorBody>('GET', '/api/flows/00000000-0000-4000-8000-000000000000/live');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect((await suite.api.request('GET', '/api/flows/not-a-uuid/live')).status).toBe(404);

    const flow = await suite.api.createFlow('archived', subscribeFlow());
    expect((await suite.api.request('DELETE', `/api/flows/${flow.id}`)).status).toBe(204);
    const archived = await suite.api.request<FlowLiveDto>('GET', `/api/flows/${flow.id}/live`);
    expect(archived.status).toBe(200);
    expect(archived.body.flowId).toBe(flow.id);
  });
});

describe('live topology reads within bounds', () => {
  const suite = sluiceSuite('server');

  /** Runs of `flowId` straight into the store, `count` of them with `status`, each with one step `call` in `stepStatus`. */
  async function insertRuns(flowId: string, count: number, status: 'running' | 'succeeded', stepStatus: string, prefix: string): Promise<void> {
    await suite.sluice.sql(
      `INSERT INTO runs (id, flow_id, flow_version, event_id, status, state, last_seq, started_at, updated_at)
       SELECT r.id, $1::uuid, 1, $3::text || g, $2::text, jsonb_build_object('id', r.id, 'flowId', $1::text, 'status', $2::text,
              'steps', jsonb_build_array(jsonb_build_object('nodeId', 'start', 'status', 'succeeded'), jsonb_build_object('nodeId', 'call', 'status', $4::text))),
              2, r.at, r.at
       FROM generate_series(1, ${count}) AS g
       CROSS JOIN LATERAL (SELECT gen_random_uuid() AS id, now() - interval '1 day' + g * interval '1 ms' AS at) AS r`,
      [flowId, status, prefix, stepStatus],
    );
  }

  it('reads only the running runs of a flow with 100,000 finished ones, through the partial index', async () => {
    const flow = await suite.api.createFlow('busy', httpFlow('http://127.0.0.1:9/none', fastRetry(3)));
    await insertRuns(flow.id, 100_000, 'succeeded', 'succeeded', 'done-');
    await insertRuns(flow.id, 3, 'running', 'scheduled', 'call-');
    await insertRuns(flow.id, 2, 'running', 'retrying', 'retry-');
    await suite.sluice.sql(
      `INSERT INTO timers (run_id, node_id, attempt, due_at, reason)
       SELECT id, 'call', 2, now() + interval '1 hour', 'retry' FROM runs WHERE flow_id = $1 AND event_id LIKE 'retry-%'`,
      [flow.id],
    );
    await suite.sluice.sql('ANALYZE runs');

    const answer = await live(suite, flow.id);
    expect(answer.flow.runsRunning).toBe(5);
    expect(answer.nodes.find((entry) => entry.nodeId === 'call')).toEqual(expect.objectContaining({ inFlight: 3, retriesWaiting: 2 }));

    const [plan] = await suite.sluice.sql<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${FLOW_WORK_SQL}`, [flow.id, LIVE_LIMITS.maxRuns, LIVE_LIMITS.maxOutboxRows],
    );
    const runScans = scansOf(plan?.['QUERY PLAN'][0]?.Plan, 'runs');
    expect(runScans.length).toBeGreaterThan(0);
    expect(runScans.filter((scan) => scan['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(runScans.filter((scan) => scan['Index Name'] !== 'runs_flow_active_idx' && scan['Index Name'] !== 'runs_pkey')).toEqual([]);
    const rowsRead = runScans.reduce((sum, scan) => sum + (scan['Actual Rows'] ?? 0) * (scan['Actual Loops'] ?? 1), 0);
    expect(rowsRead).toBeLessThan(100);
  });

  it('caps the running runs and the outbox rows one answer reads, and says so', async () => {
    const flow = await suite.api.createFlow('capped', httpFlow('http://127.0.0.1:9/none', fastRetry(3)));
    await insertRuns(flow.id, LIVE_LIMITS.maxRuns + 1, 'running', 'scheduled', 'many-');
    // Rows dated an hour ahead: the relay's sweep sends only rows older than now, so they stay while the test reads.
    await suite.sluice.sql(
      `INSERT INTO outbox (id, message, created_at)
       SELECT gen_random_uuid(), jsonb_build_object('kind', 'step', 'runId', id, 'nodeId', 'call', 'attempt', 1), now() + interval '1 hour'
       FROM runs WHERE flow_id = $1 AND event_id IN ('many-1', 'many-2', 'many-3')`,
      [flow.id],
    );

    const answer = await live(suite, flow.id);
    expect(answer.flow).toEqual({ runsRunning: LIVE_LIMITS.maxRuns, runsCapped: true, outboxBacklog: 3, outboxScope: 'flow', outboxCapped: false });
    expect(answer.nodes.find((entry) => entry.nodeId === 'call')?.inFlight).toBe(LIVE_LIMITS.maxRuns);
    expect(answer.limits).toEqual({ maxRuns: LIVE_LIMITS.maxRuns, maxOutboxRows: LIVE_LIMITS.maxOutboxRows });
    expect(answer.bottleneck).toEqual(expect.objectContaining({ nodeId: 'call', reason: expect.stringContaining(`${LIVE_LIMITS.maxRuns} steps wait here in the newest ${LIVE_LIMITS.maxRuns} running runs`) }));

    await suite.sluice.sql(
      `INSERT INTO outbox (id, message, created_at)
       SELECT gen_random_uuid(), jsonb_build_object('kind', 'event', 'eventId', g::text, 'topic', 'x', 'payload', '{}'::jsonb), now() + interval '2 hours'
       FROM generate_series(1, ${LIVE_LIMITS.maxOutboxRows}) AS g`,
    );
    await sleep(LIVE_LIMITS.sampleEveryMs);
    const capped = await live(suite, flow.id);
    expect(capped.flow).toEqual(expect.objectContaining({ outboxBacklog: 3, outboxCapped: true }));
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Every scan of `table` in a plan. */
function scansOf(plan: PlanNode | undefined, table: string): PlanNode[] {
  if (plan === undefined) return [];
  const here = plan['Relation Name'] === table ? [plan] : [];
  return [...here, ...(plan.Plans ?? []).flatMap((child) => scansOf(child, table))];
}
