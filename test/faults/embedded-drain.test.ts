import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent, RunState } from '@sluice/contracts';
import { ApiClient } from '../support/api-client';
import { EmbeddedProcess, freePort } from '../support/embedded-process';
import { edge, graph, node } from '../support/graphs';
import { TargetServer } from '../support/target-server';

const RUNS = 100;
/** How long the endpoint takes to answer each call, in ms. */
const SLOW_CALL_MS = 2000;
/** Step messages a worker holds at once: the calls in flight when SIGTERM arrives. */
const CONCURRENCY = 50;
const FINISHED: ReadonlySet<RunState['status']> = new Set(['succeeded', 'failed', 'ignored']);

interface RunSummary {
  id: string;
  status: RunState['status'];
}

async function runsOf(api: ApiClient, flowId: string): Promise<RunSummary[]> {
  const response = await api.request<{ items: RunSummary[] }>('GET', `/api/runs?flowId=${flowId}&limit=500`);
  if (response.status !== 200) throw new Error(`runs: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.items;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `npm start` drains on SIGTERM like a production worker: the http steps in
 * flight finish and commit before the process exits, so a restart on the same
 * data directory calls no endpoint twice.
 */
describe('SIGTERM with slow http steps in flight (npm start)', () => {
  let dataDir: string;
  let sluice: EmbeddedProcess;
  let target: TargetServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-drain-'));
    target = await new TargetServer().start();
    target.respond(() => ({ status: 200, body: { ok: true }, delayMs: SLOW_CALL_MS }));
    sluice = new EmbeddedProcess(dataDir, await freePort(), { SLUICE_SEED_SAMPLES: 'false', WORKER_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'info' });
    await sluice.start(120_000);
  });

  afterAll(async () => {
    await sluice?.kill();
    await target?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes and commits the calls in flight, exits 0, and after a restart every run finishes with each step once', async () => {
    const api = new ApiClient(sluice.baseUrl);
    // No retries: a second call of a step can only come from running it again after the restart.
    const flow = await api.createFlow('slow', graph(
      [
        node('start', 'trigger'),
        node('call', 'http', { url: `${target.url}/slow`, method: 'POST', timeoutMs: 10_000, body: 'event', retry: { maxAttempts: 1 } }),
        node('done', 'end'),
      ],
      [edge('start', 'call'), edge('call', 'done')],
    ));
    const triggered = await Promise.all(Array.from({ length: RUNS }, (_, n) => api.trigger(flow.id, { n })));
    const runIds = new Set(triggered.map((accepted) => accepted.runId));
    expect(runIds.size).toBe(RUNS);

    // The calls the worker holds have reached the endpoint, which has not answered them yet.
    await until('the first calls reaching the endpoint', () => (target.requests.length >= CONCURRENCY ? true : undefined), 30_000);
    const inFlight = target.requests.length;
    expect(Date.now() - target.requests.at(-1)!.at).toBeLessThan(SLOW_CALL_MS);

    const stopped = Date.now();
    expect(await sluice.stop()).toBe(0);
    process.stdout.write(`SIGTERM with ${inFlight} calls in flight: exited after ${Date.now() - stopped} ms\n`);
    // The worker transport waited for the calls in flight instead of handing them back to the queue.
    expect(sluice.output).toContain('"msg":"batches in flight drained"');

    await sluice.start(60_000);
    const finished = await until('every run finishing', async () => {
      const runs = await runsOf(api, flow.id);
      return runs.length === RUNS && runs.every((run) => FINISHED.has(run.status)) ? runs : undefined;
    }, 40_000);

    expect(finished.filter((run) => run.status !== 'succeeded')).toEqual([]);
    const calledFor = target.requests.map((request) => (request.body as { n: number }).n);
    expect(new Set(calledFor).size).toBe(RUNS);
    expect(calledFor.length).toBe(RUNS);

    for (const runId of runIds) {
      const history = await api.history(runId);
      const succeeded = history.filter((event): event is HistoryEvent => event.type === 'StepSucceeded').map((event) => event.nodeId);
      expect(succeeded.sort()).toEqual(['call', 'done', 'start']);
      const started = history.filter((event) => event.type === 'StepStarted').map((event) => event.nodeId);
      expect(started.length).toBe(new Set(started).size);
      expect(history.filter((event) => event.type === 'StepFailed')).toEqual([]);
    }
  });
  it('stops waiting after WORKER_DRAIN_TIMEOUT_MS: it still exits 0 promptly, and the step left unfinished runs again after a restart', async () => {
    await sluice.stop();
    sluice = new EmbeddedProcess(dataDir, await freePort(), { SLUICE_SEED_SAMPLES: 'false', WORKER_DRAIN_TIMEOUT_MS: '1000', LOG_LEVEL: 'info' });
    await sluice.start(60_000);
    const api = new ApiClient(sluice.baseUrl);
    // The first call gets its headers and then a body that does not end until the test releases it.
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    target.respond(() => (++calls === 1
      ? { status: 200, stream: async function* () { yield Buffer.from('{"ok":'); await released; yield Buffer.from('true}'); } }
      : { status: 200, body: { ok: true } }));
    try {
      const flow = await api.createFlow('stuck', graph(
        [
          node('start', 'trigger'),
          node('call', 'http', { url: `${target.url}/stuck`, method: 'POST', timeoutMs: 60_000, body: 'event', retry: { maxAttempts: 1 } }),
          node('done', 'end'),
        ],
        [edge('start', 'call'), edge('call', 'done')],
      ));
      const { runId } = await api.trigger(flow.id, { stuck: true });
      await until('the call reaching the endpoint', () => (calls === 1 ? true : undefined), 20_000);

      const stopped = Date.now();
      expect(await sluice.stop()).toBe(0);
      expect(Date.now() - stopped).toBeLessThan(10_000);
      expect(sluice.output).toContain('"msg":"drain timed out; unacknowledged messages go back to the queue"');

      await sluice.start(60_000);
      expect((await api.waitForRun(runId, undefined, 30_000)).status).toBe('succeeded');
      // At least once: the attempt that outlived the drain was never committed, so it ran again.
      expect(calls).toBe(2);
    } finally {
      release();
    }
  });
});
