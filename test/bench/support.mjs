// What the benchmarks (bench.mjs, overload.mjs, soak.mjs, naive-loop.mjs)
// share: throw-away databases, RabbitMQ namespaces and SQS emulators
// (sqs.mjs), the API and worker processes over the built dist, production
// and embedded deployments of the standard flows (flows.mjs), the loopback
// sink, the trigger driver (driver.mjs), and CPU and memory readings from
// /proc.
//
// Whatever a helper creates it undoes through `cleanups`, an array of
// functions run newest first by runCleanups (on success, failure and Ctrl-C).
// With BENCH_LEDGER set to a file, each database, namespace, queue and
// directory is also written there, one JSON line each, before it is created:
// a supervisor (test/integration/bench-smoke.test.ts) removes whatever a
// killed benchmark left behind.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';
import { consumerGraph, producerGraph } from './flows.mjs';
import { sqsEnv, sqsQueueDepths, startEmulator } from './sqs.mjs';

export { STEPS_PER_EVENT, TOPIC, consumerGraph, orderEvent, producerGraph } from './flows.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const hex = () => randomBytes(5).toString('hex');

export function round(value, digits = 0) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A positive integer from the environment, or `fallback` when unset. */
export function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function latencyStats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null };
}

/** Runs the cleanups still to run, newest first; a failing one is logged and the rest still run. */
export async function runCleanups(cleanups, log) {
  while (cleanups.length > 0) {
    const step = cleanups.shift();
    try {
      await step();
    } catch (error) {
      log(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * Cleanups of their own for one part of a run (a deployment), registered as
 * one step of `parent`: `close()` runs them now, and a failure before that
 * still runs them with the rest.
 */
export function cleanupScope(parent, log) {
  const cleanups = [];
  const run = () => runCleanups(cleanups, log);
  parent.unshift(run);
  return {
    cleanups,
    close: async () => {
      const at = parent.indexOf(run);
      if (at >= 0) parent.splice(at, 1);
      await run();
    },
  };
}

/** Notes what is about to be created in BENCH_LEDGER, when set. */
export function track(kind, name) {
  const ledger = process.env.BENCH_LEDGER;
  if (ledger) appendFileSync(ledger, `${JSON.stringify({ kind, name })}\n`);
}

/** A temporary directory, removed at cleanup. */
export async function tempDir(cleanups, prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  track('dir', dir);
  cleanups.unshift(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// ───────────────────────────── PostgreSQL ─────────────────────────────

export async function admin(work) {
  const client = new pg.Client({ ...PG, database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const databaseUrl = (name) => `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`;

/** A fresh database `<prefix>_<random>`, dropped at cleanup. */
export async function createDatabase(cleanups, prefix) {
  const name = `${prefix}_${hex()}`;
  track('database', name);
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  cleanups.unshift(() => dropDatabase(name));
  return { name, url: databaseUrl(name) };
}

export const dropDatabase = (name) => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

/** Transactions and rows of a database (pg_stat_database), as numbers. */
export async function databaseStats(name) {
  return admin(async (client) => {
    const { rows } = await client.query(
      `SELECT xact_commit::bigint AS commits, xact_rollback::bigint AS rollbacks, tup_inserted::bigint AS inserted,
              tup_updated::bigint AS updated, tup_deleted::bigint AS deleted, tup_returned::bigint AS returned
       FROM pg_stat_database WHERE datname = $1`,
      [name],
    );
    return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([key, value]) => [key, Number(value)]));
  });
}

/** Rows ever inserted into `table` of database `name` (pg_stat_user_tables.n_tup_ins); read once its writers have exited, as they flush their statistics then. */
export async function rowsInserted(name, table) {
  const client = new pg.Client({ ...PG, database: name });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT n_tup_ins::bigint AS n FROM pg_stat_user_tables WHERE relname = $1', [table]);
    return rows[0] ? Number(rows[0].n) : null;
  } finally {
    await client.end();
  }
}

// ───────────────────────────── RabbitMQ ─────────────────────────────

/** Names the RabbitMQ adapter declares under a namespace (libs/broker/src/rabbitmq-topology.ts rabbitMqNames): steps, ingest, events, notices. */
export function rabbitNames(namespace) {
  return ['sluice.steps', 'sluice.ingest', 'sluice.events', 'sluice.notices'].map((base) => `${namespace}.${base}`);
}

/** A fresh AMQP_NAMESPACE `<prefix>-<random>`; its queues and exchanges are deleted at cleanup. */
export function createNamespace(cleanups, prefix) {
  const namespace = `${prefix}-${hex()}`;
  track('namespace', namespace);
  cleanups.unshift(() => deleteNamespace(namespace));
  return namespace;
}

export async function deleteNamespace(namespace) {
  const [steps, ingest, events, notices] = rabbitNames(namespace);
  await deleteQueuesAndExchanges([steps, ingest], [events, notices]);
}

/** Deletes queues and exchanges (deleting one that is not there is no error). */
export async function deleteQueuesAndExchanges(queues, exchanges = []) {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}

// ───────────────────────────── CPU and memory (Linux /proc) ─────────────────────────────

/** CPU time (user + system) of a process so far, in ms; 0 when it is gone or /proc is missing. Assumes USER_HZ = 100. */
export function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Resident set size of a process (VmRSS in /proc/<pid>/status), in MiB; null once it is gone. */
export function rssMiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? round(Number(match[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}

/** Pids of processes with this command name (RabbitMQ's beam.smp, every postgres process). */
export function pidsNamed(name) {
  try {
    return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** CPU time of the whole machine spent on anything but idle so far, in ms (/proc/stat); 0 without /proc. */
function machineBusyMs() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return (user + nice + system + irq + softirq + (steal ?? 0)) * 10;
  } catch {
    return 0;
  }
}

/**
 * PostgreSQL server processes working for `database`: its backends, and the
 * shared background processes (WAL writer, checkpointer, background writer),
 * which also work for anything else using the server.
 */
async function postgresPids(database) {
  if (!database) return [];
  return admin(async (client) => {
    const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE (datname = $1 OR datname IS NULL) AND pid <> pg_backend_pid()', [database]);
    return rows.map((row) => String(row.pid));
  });
}

/**
 * CPU used between this call and `stop()`, in ms: each of `parts` (name →
 * pids of processes this benchmark started), `postgres` (the backends of
 * `database` and the server's shared background processes), `postgresAll`
 * (every postgres process on the machine), `rabbitmq` (beam.smp: RabbitMQ
 * serves anything else on the machine too), `harness` (this process) and
 * `machine` (every core's busy time), so that `machine` minus the rest shows
 * what else ran meanwhile.
 */
export async function cpuMeter(parts, { database } = {}) {
  const perPid = (pids) => Object.fromEntries(pids.map((pid) => [pid, cpuMsOf(pid)]));
  const harnessMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const take = async (pgPids) => ({
    parts: Object.fromEntries(Object.entries(parts).map(([name, pids]) => [name, perPid(pids.map(String))])),
    postgres: perPid(pgPids),
    postgresAll: perPid(pidsNamed('postgres')),
    rabbitmq: perPid(pidsNamed('beam.smp')),
    harness: harnessMs(),
    machine: machineBusyMs(),
  });
  /** CPU of each pid in `after` since `before`; a pid born meanwhile counts from its start. */
  const delta = (before, after) => Object.entries(after).reduce((sum, [pid, ms]) => sum + ms - (before[pid] ?? 0), 0);
  const pgBefore = await postgresPids(database);
  const before = await take(pgBefore);
  return async () => {
    const pgAfter = [...new Set([...pgBefore, ...(await postgresPids(database))])];
    const after = await take(pgAfter);
    const used = Object.fromEntries(Object.keys(parts).map((name) => [name, delta(before.parts[name], after.parts[name])]));
    used.postgres = delta(before.postgres, after.postgres);
    used.rabbitmq = delta(before.rabbitmq, after.rabbitmq);
    used.postgresAll = delta(before.postgresAll, after.postgresAll);
    used.harness = Math.round(after.harness - before.harness);
    used.machine = after.machine - before.machine;
    return used;
  };
}

// ───────────────────────────── processes ─────────────────────────────

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Stops a child: SIGTERM, then SIGKILL after 15 s. */
function stopper(child, exited) {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), 15000)));
    const outcome = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
}

/** Keeps the last 20,000 characters a child wrote, for errors. */
function keepOutput(child) {
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/**
 * A child node process running `script` (relative to the repository) whose
 * output is kept (for errors) and which is stopped at cleanup. `nodeOptions`
 * go on its command line: node refuses some of them (--cpu-prof) in NODE_OPTIONS.
 */
export function startProcess(cleanups, name, script, env, nodeOptions = []) {
  const child = spawn(process.execPath, [...nodeOptions, join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepOutput(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = stopper(child, exited);
  cleanups.unshift(stop);
  return { name, child, stop, exited, output };
}

/**
 * A child node process running the module `script` (relative to this folder)
 * with an IPC channel: `request(command)` sends a command and resolves with the
 * child's next message. The child says { kind: 'ready' } first, answers with
 * { kind: 'done', ... } or { kind: 'error', message }.
 */
export async function startIpcProcess(cleanups, name, script, args = [], env = process.env) {
  const child = fork(join(ROOT, 'test', 'bench', script), args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
  const output = keepOutput(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = stopper(child, exited);
  cleanups.unshift(stop);
  const next = () => new Promise((resolve, reject) => {
    const onMessage = (message) => {
      child.off('exit', onExit);
      if (message.kind === 'error') reject(new Error(`${name}: ${message.message}`));
      else resolve(message);
    };
    const onExit = (code, signal) => {
      child.off('message', onMessage);
      reject(new Error(`${name} exited (${code ?? signal}):\n${output()}`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
  await next();
  return {
    name, child, stop, exited, output,
    request: (command) => {
      const answer = next();
      child.send(command);
      return answer;
    },
  };
}

/** Waits until /health/ready answers 200; returns how long that took, in ms. */
export async function waitReady(baseUrl, proc, timeoutMs = 120000) {
  const started = Date.now();
  let exitInfo;
  void proc.exited.then((info) => (exitInfo = info));
  while (Date.now() - started < timeoutMs) {
    if (exitInfo) throw new Error(`${proc.name} exited (${JSON.stringify(exitInfo)}):\n${proc.output()}`);
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.status === 200) return Date.now() - started;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${proc.name} not ready within ${timeoutMs} ms:\n${proc.output()}`);
}

export async function waitFor(description, check, timeoutMs, onTick) {
  const started = Date.now();
  for (;;) {
    const done = await check();
    if (onTick) await onTick();
    if (done) return;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(250);
  }
}

// ───────────────────────────── the sink and the flows ─────────────────────────────

/** A local HTTP sink for the consumer's http node: answers 200 after `delayMs` and counts. */
export async function startSink(cleanups, { delayMs = 0 } = {}) {
  let requests = 0;
  const answer = (response) => {
    requests += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => (delayMs > 0 ? setTimeout(() => answer(response), delayMs) : answer(response)));
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.unshift(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${server.address().port}/sink`, count: () => requests };
}

export async function api(baseUrl, method, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    // Sluice refuses a state change without a JSON content type, even with no body.
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function createFlows(baseUrl, sinkUrl) {
  // The consumer first, so the producer's publishes find their subscriber.
  const consumer = await api(baseUrl, 'POST', '/api/flows', { name: 'bench-consumer', graph: consumerGraph(sinkUrl) });
  const producer = await api(baseUrl, 'POST', '/api/flows', { name: 'bench-producer', graph: producerGraph() });
  return { producerId: producer.id, consumerId: consumer.id };
}

/** Every run of a flow through the API, a page at a time. */
export async function listRuns(baseUrl, flowId) {
  const runs = [];
  let cursor;
  do {
    const page = await api(baseUrl, 'GET', `/api/runs?flowId=${flowId}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    runs.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return runs;
}

/** A gauge or counter without labels from /metrics text; null when absent. */
export function metricValue(text, name) {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : null;
}

/** Runs finished (succeeded or failed) so far, from /metrics. */
export async function finishedRuns(baseUrl) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^sluice_runs_finished_total\{status="(succeeded|failed)"\} (\d+)/gm)) total += Number(match[2]);
  return total;
}

// ───────────────────────────── deployments ─────────────────────────────

/** Pino's line when a worker's transport starts consuming (logged at info). */
const WORKER_CONSUMING = '"msg":"worker consuming"';

/**
 * RabbitMQ under a fresh AMQP_NAMESPACE for a production deployment: the
 * settings, a connection of the benchmark's own (for the queues' depth and
 * its taps), and a wait for the workers' consumers.
 */
async function rabbitBroker(cleanups, prefix) {
  const namespace = createNamespace(cleanups, prefix);
  const connection = await amqp.connect(AMQP_URL);
  cleanups.unshift(() => connection.close().catch(() => undefined));
  const channel = await connection.createChannel();
  const [stepsQueue, ingestQueue, eventsExchange, noticesExchange] = rabbitNames(namespace);
  return {
    env: { AMQP_URL, AMQP_NAMESPACE: namespace },
    workerEnv: {},
    parts: {},
    consuming: (workers) => waitFor(`${workers.length} workers consuming`, async () => (await channel.checkQueue(stepsQueue)).consumerCount >= workers.length, 60000),
    queueDepths: async () => {
      const [steps, ingest] = await Promise.all([channel.checkQueue(stepsQueue), channel.checkQueue(ingestQueue)]);
      return { steps: steps.messageCount, ingest: ingest.messageCount };
    },
    fields: { namespace, connection, channel, names: { stepsQueue, ingestQueue, eventsExchange, noticesExchange } },
  };
}

/**
 * SQS and SNS on an emulator started for the deployment (sqs.mjs) under a
 * fresh namespace: the settings, the emulator as a part whose CPU counts,
 * and a wait for each worker's line that it consumes (its log level is
 * raised to info for it; nothing is logged at info per message).
 */
async function sqsBroker(cleanups, prefix) {
  const emulator = await startEmulator(cleanups);
  const namespace = `${prefix}-${hex()}`;
  return {
    env: sqsEnv(emulator.endpoint, namespace),
    workerEnv: { LOG_LEVEL: 'info' },
    parts: { emulator: [emulator.child.pid] },
    consuming: (workers) => waitFor(`${workers.length} workers consuming`, async () => workers.every((worker) => worker.output().includes(WORKER_CONSUMING)), 60000),
    queueDepths: sqsQueueDepths(cleanups, emulator.endpoint, namespace),
    fields: { namespace, emulator },
  };
}

/**
 * Production mode: a fresh database, the broker (`rabbitmq`: RabbitMQ under a
 * fresh AMQP_NAMESPACE; `sqs`: SQS and SNS on an emulator of its own), the API
 * and `workers` worker processes over the built dist, the standard flows
 * created, every worker consuming. `parts` are the pids whose CPU counts as the
 * deployment's (the emulator's, on SQS); `queueDepths()` the messages waiting
 * in the steps and ingest queues. `close()` removes all of it.
 */
export async function startProduction(parent, log, { prefix = 'bench', broker: kind = 'rabbitmq', workers, sinkUrl, env: extra = {}, nodeOptions = [] }) {
  const scope = cleanupScope(parent, log);
  const { cleanups } = scope;
  try {
    const database = await createDatabase(cleanups, `${prefix}_e2e`);
    const broker = kind === 'sqs' ? await sqsBroker(cleanups, prefix) : await rabbitBroker(cleanups, prefix);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: database.url, ...broker.env, SLUICE_HTTP_ALLOW_PRIVATE: 'true', SLUICE_SEED_SAMPLES: 'false', ...extra };
    const apiProcess = startProcess(cleanups, 'api', 'apps/api/dist/main.js', { ...env, PORT: String(port), HOST: '127.0.0.1' }, nodeOptions);
    await waitReady(baseUrl, apiProcess);
    const flows = await createFlows(baseUrl, sinkUrl);
    const workerProcesses = Array.from({ length: workers }, (_, i) => startProcess(cleanups, `worker-${i + 1}`, 'apps/worker/dist/main.js', { ...env, ...broker.workerEnv }, nodeOptions));
    const processes = [apiProcess, ...workerProcesses];
    await broker.consuming(workerProcesses);
    // A pool: a sample asks several things at once.
    const db = new pg.Pool({ connectionString: database.url, max: 4 });
    cleanups.unshift(() => db.end().catch(() => undefined));
    const completed = async () =>
      Number((await db.query(`SELECT count(*) AS n FROM runs WHERE flow_id = $1 AND status IN ('succeeded', 'failed')`, [flows.consumerId])).rows[0].n);
    return {
      ...broker.fields,
      cleanups, database, baseUrl, flows, db, completed,
      broker: kind, parts: broker.parts, queueDepths: broker.queueDepths,
      api: apiProcess, workers: workerProcesses, processes,
      stopProcesses: () => Promise.all(processes.map((proc) => proc.stop())),
      printOutput: () => processes.forEach((proc) => log(`${proc.name} output:\n${proc.output()}`)),
      close: scope.close,
    };
  } catch (error) {
    await scope.close();
    throw error;
  }
}

/** Embedded mode: one `npm start` process (PGlite, in-process broker) on a fresh data directory, the standard flows created. */
export async function startEmbedded(parent, log, { sinkUrl, env: extra = {}, nodeOptions = [], prefix = 'sluice-bench-' }) {
  const scope = cleanupScope(parent, log);
  const { cleanups } = scope;
  try {
    const dataDir = await tempDir(cleanups, prefix);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const proc = startProcess(cleanups, 'embedded', 'apps/api/dist/main.js', {
      DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SLUICE_SEED_SAMPLES: 'false', SLUICE_WEB_DIR: join(dataDir, 'no-ui'), ...extra,
    }, nodeOptions);
    const startMs = await waitReady(baseUrl, proc);
    const flows = await createFlows(baseUrl, sinkUrl);
    return {
      cleanups, baseUrl, flows, proc, processes: [proc], startMs,
      // Each event finishes two runs: the producer's and the consumer's.
      completed: async () => (await finishedRuns(baseUrl)) / 2,
      printOutput: () => log(`embedded output:\n${proc.output()}`),
      close: scope.close,
    };
  } catch (error) {
    await scope.close();
    throw error;
  }
}

/** The trigger driver (driver.mjs) against a deployment's producer flow, in a process of its own. */
export function startDriver(cleanups, baseUrl, producerId) {
  return startIpcProcess(cleanups, 'driver', 'driver.mjs', [baseUrl, producerId], { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() });
}
