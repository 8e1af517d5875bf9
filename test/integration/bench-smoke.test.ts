import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { deleteNamespace, withRabbitChannel } from '../support/rabbitmq';

/**
 * `node test/bench/bench.mjs --smoke` (README.md, Benchmark): every phase of
 * the benchmark with tiny counts, over the built dist (the integration global
 * setup brings it up to date). Only the shape of latest.json is checked —
 * every field there, a finite number — never a speed: this machine is shared.
 */

const ROOT = join(__dirname, '..', '..');
/**
 * The smoke run takes about a minute (90 s on a machine busy with other suites: four deployments start, the
 * SQS one with its emulator); past this it is stopped with SIGTERM, on which it removes what it made.
 */
const RUN_TIMEOUT_MS = 150_000;
/** How long a stopped run may take to clean up before it is killed. */
const STOP_TIMEOUT_MS = 30_000;

interface BenchRun {
  code: number | null;
  output: string;
}

interface LedgerEntry {
  kind: 'database' | 'namespace' | 'queue' | 'dir';
  name: string;
}

/** Runs the smoke benchmark with its results, ledger and temporary files in `dir`. */
function runSmokeBench(dir: string): Promise<BenchRun> {
  // Nothing from the caller's environment may lengthen the run (BENCH_EVENTS=5000 and the like).
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BENCH_') && name !== 'WORKER_CONCURRENCY'));
  // A process group of its own: should it ignore SIGTERM, its API, workers and driver are killed with it.
  const child = spawn(process.execPath, [join(ROOT, 'test', 'bench', 'bench.mjs'), '--smoke'], {
    cwd: ROOT,
    env: { ...env, BENCH_RESULTS_DIR: dir, BENCH_LEDGER: join(dir, 'ledger.jsonl'), TMPDIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((resolve) => {
    const stop = setTimeout(() => {
      output += `\n[smoke test] no result after ${RUN_TIMEOUT_MS} ms: SIGTERM\n`;
      child.kill('SIGTERM');
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      }, STOP_TIMEOUT_MS).unref();
    }, RUN_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(stop);
      resolve({ code, output });
    });
  });
}

/** Removes whatever the ledger lists that is still there: what a run killed before its own cleanup left behind. */
async function removeLeftovers(ledgerFile: string): Promise<void> {
  if (!existsSync(ledgerFile)) return;
  const entries = readFileSync(ledgerFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LedgerEntry);
  for (const { kind, name } of entries) {
    try {
      if (kind === 'database') {
        const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => client.end());
      } else if (kind === 'namespace') {
        await deleteNamespace(name);
      } else if (kind === 'queue') {
        await withRabbitChannel((channel) => channel.deleteQueue(name));
      } else {
        await rm(name, { recursive: true, force: true });
      }
    } catch (error) {
      console.warn(`bench smoke: could not remove ${kind} ${name}: ${String(error)}`);
    }
  }
}

/** The value at a dotted path (`engine.cpuMsPerEvent.api`, `rss.api.0`). */
function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}

/** Fields that count something the run did: each a finite number above 0. */
const COUNTS = [
  'engine.eventsPerSec', 'engine.stepsPerEvent', 'engine.workers', 'engine.p50Ms', 'engine.p99Ms', 'engine.rowsPerEvent', 'engine.brokerMsgsPerEvent',
  'engine.ingestDeliveriesPerEvent', 'engine.noticesPerEvent', 'engine.commitsPerEvent',
  'latencyAtHalfLoad.offeredPerSec', 'latencyAtHalfLoad.p50Ms', 'latencyAtHalfLoad.p99Ms',
  'embedded.eventsPerSec', 'embedded.p99Ms', 'embedded.latencyAtHalfLoad.offeredPerSec', 'embedded.latencyAtHalfLoad.p99Ms',
  'raw.amqpMsgsPerSec', 'raw.pgRowsPerSec', 'raw.pipelineStepsPerSec',
  'rss.api.0', 'rss.api.1', 'rss.worker.0', 'rss.worker.1',
  'ratios.engineStepsToNaive', 'ratios.embeddedToOneWorker', 'ratios.rss.api', 'ratios.rss.worker-1',
  'sqs.workers', 'sqs.eventsPerSec', 'sqs.p50Ms', 'sqs.p99Ms', 'sqs.stepsPerEvent', 'sqs.brokerMsgsPerEvent', 'sqs.commitsPerEvent',
];
/** CPU readings: finite and not negative (a process can stay under /proc's 10 ms tick in so short a run). */
const CPU = [
  ...['api', 'worker', 'postgres', 'rabbitmq', 'driver'].map((part) => `engine.cpuMsPerEvent.${part}`),
  ...['api', 'worker', 'postgres', 'emulator', 'driver'].map((part) => `sqs.cpuMsPerEvent.${part}`),
];
const TARGETS = ['engineStepsToNaive', 'rowsPerEvent', 'halfLoadP99Ms', 'embeddedToOneWorker', 'embeddedHalfLoadP99Ms', 'rssEndTo10s'];

describe('the benchmark, smoke run (node test/bench/bench.mjs --smoke)', () => {
  let dir = '';
  let run: BenchRun;
  let latest: unknown;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-bench-smoke-'));
    run = await runSmokeBench(dir);
    const file = join(dir, 'latest.json');
    latest = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  }, RUN_TIMEOUT_MS + STOP_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    if (dir) {
      await removeLeftovers(join(dir, 'ledger.jsonl'));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 0 and writes latest.json', () => {
    // On a failure the diff shows the end of the run's output.
    const tail = run.code === 0 ? '' : run.output.slice(-4000);
    expect({ code: run.code, written: latest !== undefined, tail }).toEqual({ code: 0, written: true, tail: '' });
  });

  it.each(COUNTS)('%s is a count above 0', (path) => {
    const value = at(latest, path);
    expect(typeof value).toBe('number');
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
  });

  it.each(CPU)('%s is a finite CPU time', (path) => {
    const value = at(latest, path);
    expect(typeof value).toBe('number');
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
  });

  it('counts 7 StepSucceeded events per standard event', () => {
    expect(at(latest, 'engine.stepsPerEvent')).toBe(7);
  });

  it('names the SQS row an emulator figure: the emulator and its version, and a note that it is not AWS', () => {
    expect(at(latest, 'sqs.emulator')).toMatch(/^fauxqs \d+\.\d+\.\d+$/);
    expect(at(latest, 'sqs.note')).toEqual(expect.stringContaining('not against AWS'));
  });

  it('has one scaling row per worker count, with events/s and p99', () => {
    const scaling = at(latest, 'scaling');
    expect(scaling).toEqual([expect.objectContaining({ workers: 1, eventsPerSec: expect.any(Number), p99Ms: expect.any(Number) })]);
    const [row] = scaling as { eventsPerSec: number; p99Ms: number }[];
    expect([row!.eventsPerSec, row!.p99Ms].every((value) => Number.isFinite(value) && value > 0)).toBe(true);
  });

  it('gives a pass or a fail for every target', () => {
    const targets = at(latest, 'targets') as Record<string, { pass: unknown; value: unknown }>;
    expect(Object.fromEntries(TARGETS.map((name) => [name, typeof targets[name]?.pass]))).toEqual(Object.fromEntries(TARGETS.map((name) => [name, 'boolean'])));
    expect(TARGETS.every((name) => Number.isFinite(targets[name]?.value))).toBe(true);
    expect(typeof targets.allPass).toBe('boolean');
  });
});
