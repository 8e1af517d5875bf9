// `npm run bench` (README.md, Benchmark): end-to-end events/s and trigger→completion
// latency of the standard flow, beside the raw limits of the same RabbitMQ
// and PostgreSQL, in one run on this machine. Runs over the built dist of
// libs and apps (`npm run bench` builds first).
//
//   producer: trigger → filter (event.amount > 100) → transform → publish bench.orders
//   consumer: subscribe bench.orders → http POST to a local sink → end
//
// Production mode: a fresh database on the PostgreSQL server, RabbitMQ under
// a random AMQP_NAMESPACE, the API as a process and 1, 2 and 4 worker
// processes. Embedded mode: one `npm start` process (PGlite, in-process broker).
// Everything it creates (databases, queues, exchanges, data directories) is
// removed at the end, also after a failure.
//
// Environment:
//   BENCH_EVENTS        events per end-to-end run (default 5000)
//   BENCH_CONCURRENCY   triggers in flight (default 64)
//   BENCH_WORKERS       worker counts for production mode (default 1,2,4)
//   BENCH_EMBEDDED      run embedded mode too (default true)
//   BENCH_EMBEDDED_EVENTS  events for embedded mode (default min(BENCH_EVENTS, 1000): it is the slowest)
//   BENCH_RAW_MESSAGES  messages for the bare RabbitMQ test (default 20000)
//   BENCH_TIMEOUT_S     longest wait for one run's completions (default 300)
//   WORKER_CONCURRENCY  passed to the workers (default: Sluice's, 50)
//   BENCH_NODE_OPTIONS  node options of the spawned API and workers, given on their command line (so options
//                       NODE_OPTIONS refuses work too), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
//   BENCH_EXPRESSIONS   measure the cost of the expression limits first (default true; see expressions.mjs)
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import pg from 'pg';
import { measureExpressionCost } from './expressions.mjs';
import {
  AMQP_URL, PG, ROOT, admin, api, createDatabase as createDatabaseIn, createFlows, deleteNamespace, freePort, hex, latencyStats, orderEvent,
  rabbitNames, runCleanups, sleep, startProcess as startProcessIn, startSink as startSinkIn, waitFor, waitReady,
} from './support.mjs';

const EVENTS = intEnv('BENCH_EVENTS', 5000);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 64);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map((n) => Number(n.trim())).filter((n) => n > 0);
const RUN_EMBEDDED = (process.env.BENCH_EMBEDDED ?? 'true') !== 'false';
const EMBEDDED_EVENTS = intEnv('BENCH_EMBEDDED_EVENTS', Math.min(EVENTS, 1000));
const RAW_MESSAGES = intEnv('BENCH_RAW_MESSAGES', 20000);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_S', 300) * 1000;
const WARMUP = Math.min(200, Math.max(20, Math.floor(EVENTS / 20)));

/** Cleanups still to run, newest first; run on success, failure and Ctrl-C. */
const cleanups = [];
const log = (message) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

// ───────────────────────────── PostgreSQL helpers ─────────────────────────────

const createDatabase = (prefix) => createDatabaseIn(cleanups, prefix);

async function databaseStats(name) {
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

// ───────────────────────────── raw limits ─────────────────────────────

/** Bare amqplib: publish with confirms in windows of 100, consume with manual ack (prefetch 100), 1 KiB persistent messages. */
async function rawRabbitMq(count) {
  const queue = `bench-${hex()}.raw`;
  const publisher = await amqp.connect(AMQP_URL);
  const consumer = await amqp.connect(AMQP_URL);
  cleanups.unshift(async () => {
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await connection.close();
  });
  try {
    const pub = await publisher.createConfirmChannel();
    await pub.assertQueue(queue, { durable: true });
    const sub = await consumer.createChannel();
    await sub.prefetch(100);
    const body = Buffer.alloc(1024, 'x');
    let acked = 0;
    let finished;
    const allAcked = new Promise((resolve) => (finished = resolve));
    await sub.consume(queue, (msg) => {
      if (!msg) return;
      sub.ack(msg);
      acked += 1;
      if (acked === count) finished(performance.now());
    }, { noAck: false });
    const started = performance.now();
    for (let sent = 0; sent < count; sent += 100) {
      for (let i = sent; i < Math.min(count, sent + 100); i += 1) pub.sendToQueue(queue, body, { persistent: true });
      await pub.waitForConfirms();
    }
    const published = performance.now();
    const done = await allAcked;
    await pub.close();
    await sub.close();
    return {
      messages: count,
      publishConfirmPerS: Math.round(count / ((published - started) / 1000)),
      endToEndPerS: Math.round(count / ((done - started) / 1000)),
    };
  } finally {
    await publisher.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
  }
}

/**
 * Bare pg on a throw-away database: 100-row INSERTs, and single-row INSERTs
 * on 1 and on 8 connections, each statement its own transaction
 * (synchronous_commit on). An ordinary table, because a TEMP table writes no
 * WAL, so its commits never wait for the disk; that figure is reported apart.
 */
async function rawPostgres() {
  const database = await createDatabase('bench_raw');
  const connect = async () => {
    const client = new pg.Client({ ...PG, database: database.name });
    await client.connect();
    return client;
  };
  const setup = await connect();
  const ddl = (table, temp = '') => `CREATE ${temp} TABLE ${table} (id uuid PRIMARY KEY, run_id uuid NOT NULL, seq int NOT NULL, data jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`;
  await setup.query(ddl('rows_multi'));
  await setup.query(ddl('rows_single'));
  const data = JSON.stringify({ type: 'StepSucceeded', nodeId: 'call', data: { output: { status: 200, body: { ok: true } }, durationMs: 3 } });

  // 100 rows per statement.
  const statements = 400;
  const values = Array.from({ length: 100 }, (_, i) => `($${i * 3 + 1}::uuid, $${i * 3 + 2}::uuid, $${i * 3 + 3}::int, '${data}'::jsonb)`).join(',');
  const multiSql = `INSERT INTO rows_multi (id, run_id, seq, data) VALUES ${values}`;
  let started = performance.now();
  for (let s = 0; s < statements; s += 1) {
    const runId = randomUUID();
    await setup.query(multiSql, Array.from({ length: 100 }, (_, i) => [randomUUID(), runId, i + 1]).flat());
  }
  const multiRowsPerS = Math.round((statements * 100) / ((performance.now() - started) / 1000));

  const singleSql = `INSERT INTO rows_single (id, run_id, seq, data) VALUES ($1, $2, 1, '${data}'::jsonb)`;
  const singleRun = async (client, count) => {
    for (let i = 0; i < count; i += 1) await client.query(singleSql, [randomUUID(), randomUUID()]);
  };
  started = performance.now();
  await singleRun(setup, 2000);
  const single1PerS = Math.round(2000 / ((performance.now() - started) / 1000));

  const clients = await Promise.all(Array.from({ length: 8 }, connect));
  started = performance.now();
  await Promise.all(clients.map((client) => singleRun(client, 500)));
  const single8PerS = Math.round(4000 / ((performance.now() - started) / 1000));
  await Promise.all(clients.map((client) => client.end()));

  await setup.query(ddl('rows_temp', 'TEMP'));
  const tempSql = singleSql.replace('rows_single', 'rows_temp');
  started = performance.now();
  for (let i = 0; i < 2000; i += 1) await setup.query(tempSql, [randomUUID(), randomUUID()]);
  const tempSingle1PerS = Math.round(2000 / ((performance.now() - started) / 1000));
  await setup.end();
  return { multiRowsPerS, single1PerS, single8PerS, tempSingle1PerS };
}

// ───────────────────────────── CPU accounting (Linux /proc) ─────────────────────────────

/** CPU time (user + system) of a process so far, in ms; 0 when it is gone or /proc is missing. Assumes USER_HZ = 100. */
function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Pids of processes with this command name (postgres backends, RabbitMQ's beam.smp). */
function pidsNamed(name) {
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

/**
 * CPU used by each part between snapshot and `since()`, in ms. PostgreSQL and
 * RabbitMQ are machine-wide: anything else using them on this machine counts too.
 */
function cpuSnapshot(parts) {
  const take = () => ({
    ...Object.fromEntries(Object.entries(parts).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0)])),
    postgres: Object.fromEntries(pidsNamed('postgres').map((pid) => [pid, cpuMsOf(pid)])),
    rabbitmq: pidsNamed('beam.smp').reduce((sum, pid) => sum + cpuMsOf(pid), 0),
    driver: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
  });
  const before = take();
  return () => {
    const after = take();
    const used = {};
    for (const name of [...Object.keys(parts), 'rabbitmq', 'driver']) used[name] = after[name] - before[name];
    used.postgres = Object.entries(after.postgres).reduce((sum, [pid, ms]) => sum + ms - (before.postgres[pid] ?? 0), 0);
    return used;
  };
}

// ───────────────────────────── processes ─────────────────────────────

/** BENCH_NODE_OPTIONS go on the command line: node refuses --cpu-prof in NODE_OPTIONS. */
const NODE_OPTIONS = (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
const startProcess = (name, script, env) => startProcessIn(cleanups, name, script, env, NODE_OPTIONS);
const startSink = () => startSinkIn(cleanups);

// ───────────────────────────── the flows and the driver ─────────────────────────────

/** Sends `count` triggers with `concurrency` in flight; returns the wall time it took, in ms. */
async function drive(baseUrl, producerId, count, concurrency) {
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      let response;
      let text;
      // Backpressure refuses a trigger with 503 overloaded while the backlog is full: send it again.
      do {
        response = await fetch(`${baseUrl}/api/flows/${producerId}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(orderEvent(i)),
        });
        text = await response.text();
      } while (response.status === 503 && text.includes('"overloaded"'));
      if (response.status !== 202) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (failures > 0) throw new Error(`${failures} of ${count} triggers were not accepted`);
  return performance.now() - started;
}

// ───────────────────────────── production mode ─────────────────────────────

async function productionRun(workers, sink) {
  const database = await createDatabase('bench_e2e');
  const namespace = `bench-${hex()}`;
  cleanups.unshift(() => deleteNamespace(namespace));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: database.url, AMQP_URL, AMQP_NAMESPACE: namespace, SLUICE_HTTP_ALLOW_PRIVATE: 'true', SLUICE_SEED_SAMPLES: 'false',
    ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
  };
  const apiProcess = startProcess('api', 'apps/api/dist/main.js', { ...env, PORT: String(port), HOST: '127.0.0.1' });
  await waitReady(baseUrl, apiProcess);
  const flows = await createFlows(baseUrl, sink.url);
  const workerProcesses = Array.from({ length: workers }, (_, i) => startProcess(`worker-${i + 1}`, 'apps/worker/dist/main.js', env));

  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const [stepsQueue, ingestQueue] = rabbitNames(namespace);
  await waitFor(`${workers} workers consuming`, async () => (await channel.checkQueue(stepsQueue)).consumerCount >= workers, 60000);

  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const completed = async () =>
    Number((await db.query(`SELECT count(*) AS n FROM runs WHERE flow_id = $1 AND status IN ('succeeded', 'failed')`, [flows.consumerId])).rows[0].n);

  try {
    // Warm-up: JIT, pools, channels.
    await drive(baseUrl, flows.producerId, WARMUP, Math.min(CONCURRENCY, WARMUP));
    await waitFor('warm-up completions', async () => (await completed()) >= WARMUP, TIMEOUT_MS);
    const measuredFrom = new Date();
    await sleep(20);

    const samples = [];
    const cpu = cpuSnapshot({ api: [apiProcess.child.pid], workers: workerProcesses.map((worker) => worker.child.pid) });
    const t0 = performance.now();
    let triggerMs;
    const driving = drive(baseUrl, flows.producerId, EVENTS, CONCURRENCY).then((ms) => (triggerMs = ms));
    const sample = async () => {
      const [steps, ingest, outbox, done] = await Promise.all([
        channel.checkQueue(stepsQueue), channel.checkQueue(ingestQueue),
        db.query('SELECT count(*) AS n FROM outbox'), completed(),
      ]);
      samples.push({ s: Math.round(performance.now() - t0) / 1000, completed: done - WARMUP, stepsQueued: steps.messageCount, ingestQueued: ingest.messageCount, outbox: Number(outbox.rows[0].n) });
    };
    let lastSample = 0;
    await waitFor(`${EVENTS} completions`, async () => (await completed()) >= WARMUP + EVENTS, TIMEOUT_MS, async () => {
      if (performance.now() - lastSample >= 1000) {
        lastSample = performance.now();
        await sample();
      }
    });
    await driving;
    const wallMs = performance.now() - t0;
    const cpuUsed = cpu();
    await sample();

    const { rows } = await db.query(
      `SELECT extract(epoch FROM p.started_at) * 1000 AS started, extract(epoch FROM c.finished_at) * 1000 AS finished, c.status
       FROM runs c JOIN runs p ON p.id = (c.state->>'parentRunId')::uuid
       WHERE c.flow_id = $1 AND p.started_at >= $2`,
      [flows.consumerId, measuredFrom],
    );
    const result = summarise(rows.map((row) => ({ started: Number(row.started), finished: Number(row.finished), status: row.status })), EVENTS, wallMs, triggerMs);
    const counts = (await db.query(
      `SELECT (SELECT count(*) FROM history) AS history, (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM outbox) AS outbox`,
    )).rows[0];
    await db.end();
    await channel.close();
    await connection.close();
    // Stop the processes before reading pg_stat_database: exiting backends flush their statistics.
    await Promise.all(workerProcesses.map((worker) => worker.stop()));
    await apiProcess.stop();
    await sleep(600);
    const stats = await databaseStats(database.name);
    const totalEvents = WARMUP + EVENTS;
    result.database = {
      commitsPerEvent: round(stats.commits / totalEvents, 2),
      rollbacks: stats.rollbacks,
      rowsInsertedPerEvent: round(stats.inserted / totalEvents, 1),
      rowsUpdatedPerEvent: round(stats.updated / totalEvents, 1),
      rowsDeletedPerEvent: round(stats.deleted / totalEvents, 1),
      historyRowsPerEvent: round(Number(counts.history) / (Number(counts.runs) / 2), 1),
      outboxLeft: Number(counts.outbox),
    };
    result.cpu = cpuReport(cpuUsed, EVENTS, wallMs);
    result.samples = samples;
    return result;
  } catch (error) {
    for (const proc of [apiProcess, ...workerProcesses]) log(`${proc.name} output:\n${proc.output()}`);
    throw error;
  } finally {
    await db.end().catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

/** CPU ms per event by part, and how busy the machine's cores were. */
function cpuReport(used, events, wallMs) {
  const total = Object.values(used).reduce((sum, ms) => sum + ms, 0);
  return {
    msPerEvent: Object.fromEntries(Object.entries(used).map(([name, ms]) => [name, round(ms / events, 2)])),
    totalMsPerEvent: round(total / events, 2),
    coresBusy: round(total / wallMs, 2),
  };
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function summarise(runs, events, wallMs, triggerMs) {
  const finished = runs.filter((run) => Number.isFinite(run.finished));
  const first = Math.min(...finished.map((run) => run.started));
  const last = Math.max(...finished.map((run) => run.finished));
  const latency = latencyStats(finished.map((run) => run.finished - run.started));
  return {
    events: finished.length,
    failed: finished.filter((run) => run.status === 'failed').length,
    eventsPerS: Math.round(finished.length / ((last - first) / 1000)),
    wallSeconds: round(wallMs / 1000, 2),
    triggersPerS: Math.round(events / (triggerMs / 1000)),
    latencyMs: { p50: round(latency.p50, 1), p95: round(latency.p95, 1), p99: round(latency.p99, 1), max: round(latency.max, 1) },
  };
}

// ───────────────────────────── embedded mode ─────────────────────────────

async function embeddedRun(sink) {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
  cleanups.unshift(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const proc = startProcess('embedded', 'apps/api/dist/main.js', {
    DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SLUICE_SEED_SAMPLES: 'false', SLUICE_WEB_DIR: join(dataDir, 'no-ui'),
    ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
  });
  try {
    const startMs = await waitReady(baseUrl, proc);
    const flows = await createFlows(baseUrl, sink.url);
    const finishedRuns = async () => {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      let total = 0;
      for (const match of text.matchAll(/^sluice_runs_finished_total\{status="(succeeded|failed)"\} (\d+)/gm)) total += Number(match[2]);
      return total;
    };
    // Each event finishes two runs: the producer's and the consumer's.
    await drive(baseUrl, flows.producerId, WARMUP, Math.min(CONCURRENCY, WARMUP));
    await waitFor('warm-up completions', async () => (await finishedRuns()) >= 2 * WARMUP, TIMEOUT_MS);
    const measuredFrom = Date.now();
    await sleep(20);
    const cpu = cpuSnapshot({ embedded: [proc.child.pid] });
    const t0 = performance.now();
    let triggerMs;
    const driving = drive(baseUrl, flows.producerId, EMBEDDED_EVENTS, CONCURRENCY).then((ms) => (triggerMs = ms));
    await waitFor(`${EMBEDDED_EVENTS} completions`, async () => (await finishedRuns()) >= 2 * (WARMUP + EMBEDDED_EVENTS), TIMEOUT_MS);
    await driving;
    const wallMs = performance.now() - t0;
    const cpuUsed = cpu();

    const producers = new Map((await listRuns(baseUrl, flows.producerId)).map((run) => [run.id, run]));
    const pairs = [];
    for (const run of await listRuns(baseUrl, flows.consumerId)) {
      const parent = producers.get(run.parentRunId);
      if (!parent || Date.parse(parent.startedAt) < measuredFrom) continue;
      pairs.push({ started: Date.parse(parent.startedAt), finished: run.finishedAt ? Date.parse(run.finishedAt) : NaN, status: run.status });
    }
    const result = summarise(pairs, EMBEDDED_EVENTS, wallMs, triggerMs);
    result.startMs = startMs;
    result.cpu = cpuReport(cpuUsed, EMBEDDED_EVENTS, wallMs);
    return result;
  } catch (error) {
    log(`embedded output:\n${proc.output()}`);
    throw error;
  } finally {
    await proc.stop();
  }
}

async function listRuns(baseUrl, flowId) {
  const runs = [];
  let cursor;
  do {
    const page = await api(baseUrl, 'GET', `/api/runs?flowId=${flowId}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    runs.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return runs;
}

// ───────────────────────────── report ─────────────────────────────

function table(results) {
  const lines = [];
  const pad = (value, width) => String(value ?? '–').padStart(width);
  lines.push('');
  lines.push(`Sluice benchmark — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, ${EVENTS} events (embedded ${EMBEDDED_EVENTS}), ${CONCURRENCY} triggers in flight`);
  lines.push('');
  lines.push('raw limits');
  lines.push(`  RabbitMQ, 1 KiB persistent, confirms in windows of 100:  publish ${results.raw.rabbitmq.publishConfirmPerS} msg/s; publish→consume-ack ${results.raw.rabbitmq.endToEndPerS} msg/s`);
  lines.push(`  PostgreSQL, 100 rows per INSERT:                          ${results.raw.postgres.multiRowsPerS} rows/s`);
  lines.push(`  PostgreSQL, single-row INSERT (own transaction):          ${results.raw.postgres.single1PerS}/s on 1 connection, ${results.raw.postgres.single8PerS}/s on 8`);
  lines.push(`  PostgreSQL, single-row INSERT into a TEMP table (no WAL): ${results.raw.postgres.tempSingle1PerS}/s on 1 connection`);
  lines.push('');
  lines.push('end to end (trigger → filter → transform → publish ⇒ subscribe → http → end)');
  lines.push(`  ${'mode'.padEnd(22)}${pad('events/s', 9)}${pad('p50 ms', 9)}${pad('p95 ms', 9)}${pad('p99 ms', 9)}${pad('triggers/s', 12)}${pad('commits/ev', 12)}${pad('CPU ms/ev', 11)}${pad('cores busy', 12)}`);
  for (const run of results.endToEnd) {
    lines.push(`  ${run.mode.padEnd(22)}${pad(run.eventsPerS, 9)}${pad(run.latencyMs.p50, 9)}${pad(run.latencyMs.p95, 9)}${pad(run.latencyMs.p99, 9)}${pad(run.triggersPerS, 12)}${pad(run.database?.commitsPerEvent, 12)}${pad(run.cpu?.totalMsPerEvent, 11)}${pad(run.cpu?.coresBusy, 12)}`);
  }
  lines.push('');
  lines.push('CPU ms per event, by process');
  for (const run of results.endToEnd) {
    lines.push(`  ${run.mode.padEnd(22)}${Object.entries(run.cpu?.msPerEvent ?? {}).map(([name, ms]) => `${name} ${ms}`).join(', ')}`);
  }
  lines.push('');
  return lines.join('\n');
}

const cleanup = () => runCleanups(cleanups, log);

async function main() {
  const started = Date.now();
  const results = { at: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, settings: { events: EVENTS, embeddedEvents: EMBEDDED_EVENTS, warmup: WARMUP, concurrency: CONCURRENCY, workerConcurrency: process.env.WORKER_CONCURRENCY ?? '50 (default)' }, raw: {}, endToEnd: [] };

  if ((process.env.BENCH_EXPRESSIONS ?? 'true') !== 'false') {
    log('expression evaluations per second, before and after the expression limits');
    results.expressions = await measureExpressionCost({ attacks: false, print: (line) => log(line) });
  }
  log(`raw RabbitMQ: ${RAW_MESSAGES} messages`);
  results.raw.rabbitmq = await rawRabbitMq(RAW_MESSAGES);
  log(`  ${JSON.stringify(results.raw.rabbitmq)}`);
  log('raw PostgreSQL');
  results.raw.postgres = await rawPostgres();
  log(`  ${JSON.stringify(results.raw.postgres)}`);
  await cleanup();

  const sink = await startSink();
  for (const workers of WORKER_COUNTS) {
    log(`production, ${workers} worker${workers === 1 ? '' : 's'}: ${WARMUP} warm-up + ${EVENTS} events`);
    const run = await productionRun(workers, sink);
    results.endToEnd.push({ mode: `production, ${workers} worker${workers === 1 ? '' : 's'}`, workers, ...run });
    log(`  ${run.eventsPerS} events/s, p50 ${run.latencyMs.p50} ms, p95 ${run.latencyMs.p95} ms, p99 ${run.latencyMs.p99} ms, ${run.database.commitsPerEvent} commits/event`);
    // Drop this run's database and namespace before the next one (the sink stays).
    const keep = cleanups.pop();
    await cleanup();
    cleanups.push(keep);
  }
  if (RUN_EMBEDDED) {
    log(`embedded (one process): ${WARMUP} warm-up + ${EMBEDDED_EVENTS} events`);
    const run = await embeddedRun(sink);
    results.endToEnd.push({ mode: 'embedded (1 process)', workers: 0, ...run });
    log(`  ${run.eventsPerS} events/s, p50 ${run.latencyMs.p50} ms, p95 ${run.latencyMs.p95} ms, p99 ${run.latencyMs.p99} ms (start ${run.startMs} ms)`);
  }
  results.sinkRequests = sink.count();
  await cleanup();
  results.seconds = Math.round((Date.now() - started) / 1000);

  process.stdout.write(table(results));
  const dir = join(ROOT, 'bench-results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `bench-${results.at.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`results: ${file} (${results.seconds} s)\n`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().catch(async (error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await cleanup();
  process.exit(1);
});
