import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HistoryEvent } from '@sluice/contracts';
import { ApiClient } from '../support/api-client';
import { EmbeddedProcess, freePort } from '../support/embedded-process';
import { graph, httpFlow, node, edge } from '../support/graphs';
import { TargetServer } from '../support/target-server';

const run = promisify(execFile);

describe('start-up configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'mysql://127.0.0.1/x' }, /DATABASE_URL/],
    [{ HOST: '0.0.0.0' }, /SLUICE_API_KEYS/],
  ])('refuses to start with %j, naming the variable', async (env, message) => {
    const failure = await run(process.execPath, ['apps/api/dist/main.js'], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(message);
  });
});

describe('embedded mode as a process (npm start)', () => {
  let dataDir: string;
  let sluice: EmbeddedProcess;
  let target: TargetServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-embedded-'));
    target = await new TargetServer().start();
  });

  afterAll(async () => {
    await sluice?.stop();
    await target?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on a fresh DATA_DIR, seeds the samples, and the logged curl completes a run', async () => {
    sluice = new EmbeddedProcess(dataDir, await freePort());
    const firstStartMs = await sluice.start(120_000);
    const api = new ApiClient(sluice.baseUrl);

    const flows = await api.request<{ items: { id: string; name: string }[] }>('GET', '/api/flows');
    expect(flows.body.items.map((flow) => flow.name).sort()).toEqual(['fulfilment', 'orders']);
    const curl = /(curl -sS -X POST \S+ -H 'content-type: application\/json' -d '[^']*')/.exec(sluice.output)?.[1];
    expect(curl).toBeDefined();

    const { stdout } = await run('sh', ['-c', curl!]);
    const { runId } = JSON.parse(stdout) as { runId: string };
    expect((await api.waitForRun(runId)).status).toBe('succeeded');
    const consumer = await api.request<{ items: { id: string; status: string }[] }>(
      'GET', `/api/runs?flowId=${flows.body.items.find((flow) => flow.name === 'fulfilment')!.id}`,
    );
    expect(consumer.body.items).toHaveLength(1);
    expect((await api.waitForRun(consumer.body.items[0]!.id, undefined, 60_000)).status).toMatch(/succeeded|failed/);

    await sluice.stop();
    const laterStartMs = await sluice.start();
    const again = await api.request<{ items: unknown[] }>('GET', '/api/flows');
    expect(again.body.items).toHaveLength(2);
    process.stdout.write(`embedded start to ready: first ${firstStartMs} ms, later ${laterStartMs} ms\n`);
  });

  it('loses nothing when killed with SIGKILL while a retry is scheduled', async () => {
    await sluice.stop();
    sluice = new EmbeddedProcess(dataDir, await freePort(), { SLUICE_SEED_SAMPLES: 'false' });
    await sluice.start();
    const api = new ApiClient(sluice.baseUrl);
    target.reply({ status: 503 }, { status: 200, body: { ok: true } });
    const retry = { maxAttempts: 4, initialIntervalMs: 1500, backoffCoefficient: 2, maxIntervalMs: 5000, jitter: 0 };
    const flowGraph = httpFlow(`${target.url}/crash`, retry);
    flowGraph.nodes.push(node('after', 'transform', { expression: '{ "done": true }' }));
    flowGraph.edges = flowGraph.edges.filter((e) => e.target !== 'done');
    flowGraph.edges.push(edge('call', 'after'), edge('after', 'done'));
    const flow = await api.createFlow('crash', graph(flowGraph.nodes, flowGraph.edges));
    const { runId } = await api.trigger(flow.id, { order: 'crash' });
    await api.waitForRun(runId, (state) => state.steps.some((step) => step.nodeId === 'call' && step.status === 'retrying'));

    await sluice.kill();
    await sluice.start();

    const finished = await api.waitForRun(runId, undefined, 30_000);
    expect(finished.status).toBe('succeeded');
    const history = await api.history(runId);
    const succeeded = history.filter((event): event is HistoryEvent => event.type === 'StepSucceeded').map((event) => event.nodeId);
    expect(succeeded.sort()).toEqual(['after', 'call', 'done', 'start']);
    expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
    expect(target.requests.filter((request) => request.path === '/crash')).toHaveLength(2);
  });
});
