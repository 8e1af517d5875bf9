// `npm run bench` (README.md, Benchmark): Sluice's throughput, latency and
// cost per event on the standard flow, each set against raw figures of the
// same PostgreSQL and RabbitMQ measured in the same run on this machine, above
// all the naive durable step loop (naive-loop.mjs), the yardstick of what a
// step costs with no engine at all. Runs over the built dist of libs and apps
// (`npm run bench` builds first).
//
//   producer: trigger → filter (event.amount > 100) → transform → publish bench.orders
//   consumer: subscribe bench.orders → http POST to a local sink → end
//
//   npm run bench                  full run: workers 1, 2, 4; bench-results/bench-<timestamp>.json and latest.json
//   npm run bench -- --quick       under 5 minutes: workers 1 and 2, shorter phases; latest.json only
//   node test/bench/bench.mjs --smoke   seconds long, tiny counts, for the CI smoke test (latest.json only)
//
// Phases, in order:
//   1. raw limits: bare amqplib publish-confirm → consume-ack of 1 KiB
//      persistent messages; bare pg INSERTs; the naive durable step loop.
//   2. production mode (a fresh database, RabbitMQ under a fresh
//      AMQP_NAMESPACE, the API and 1, 2 (and 4) worker processes): after a
//      warm-up, BENCH_EVENTS triggers in a closed loop, BENCH_CONCURRENCY in
//      flight. The worker count with the most events/s is `engine`.
//   3. half load, production with that worker count on a fresh deployment:
//      an open loop at half engine.eventsPerSec for BENCH_HALF_LOAD_S.
//   4. embedded mode (one `npm start` process: PGlite, in-process broker):
//      a closed loop of BENCH_EMBEDDED_EVENTS, then, in the same process, an
//      open loop at half its own events/s.
//   5. SQS and SNS: production with 1 worker and BROKER_URL=sqs://… on the
//      fauxqs emulator, started for it on loopback (sqs.mjs): after a warm-up,
//      BENCH_SQS_EVENTS triggers in a closed loop. An emulator figure, not AWS.
// Triggers come from the driver (driver.mjs), a process of its own whose CPU
// is reported apart as `driver`. Events/s counts consumer runs finished;
// latency runs from the producer run's start to the consumer run's end, read
// from the store. Everything created (databases, queues, exchanges, data
// directories) is removed at the end, also after a failure or Ctrl-C.
//
// Results (latest.json; README.md, Benchmark, gives every field):
//   engine             the best production run: events/s, StepSucceeded events per event, p50/p99,
//                      history rows per event, outbox inserts per event (every step and event message
//                      Sluice hands to RabbitMQ goes through the outbox), ingest-queue deliveries and
//                      run-change notice messages per event (counted on queues of this benchmark's own, bound
//                      beside Sluice's), CPU ms per event by process
//   scaling            events/s and p99 for each worker count
//   latencyAtHalfLoad  the open loop's p50/p99 at the offered rate
//   embedded           events/s, p99 and its own half-load latency
//   sqs                the SQS closed loop: events/s, p50/p99, outbox inserts (messages to SQS and SNS) per
//                      event, CPU ms per event with the emulator's; `emulator` names fauxqs and its version
//   raw                amqpMsgsPerSec, pgRowsPerSec (100 rows per INSERT), pipelineStepsPerSec (naive loop)
//   rss                VmRSS (MiB) of the API and the workers (their sum; `workers`: each) 10 s into the
//                      engine run, or at its end when it is shorter, and at its end
//   ratios, targets    engine steps/s ÷ naive steps/s ≥ 3, history rows per event ≤ 6, half-load p99 < 250 ms,
//                      embedded ÷ production with 1 worker ≥ 1, embedded half-load p99 < 250 ms, RSS at the end
//                      no more than 20% above RSS at 10 s; pass or fail each. The run itself exits 0 either way.
//
// Environment (unset: the mode's default, full / --quick / --smoke):
//   BENCH_EVENTS           events per production closed loop (10000 / 12000 / 60; the quick run's lasts about 30 s, so RSS at its end is read well after the 10 s reading)
//   BENCH_CONCURRENCY      triggers in flight in the closed loops (64 in every mode)
//   BENCH_WORKERS          worker counts for production mode (1,2,4 / 1,2 / 1)
//   BENCH_WARMUP           warm-up events before each measurement (BENCH_EVENTS / 20 within 20–200; --smoke 10)
//   BENCH_EMBEDDED         run embedded mode (true)
//   BENCH_EMBEDDED_EVENTS  events for embedded mode's closed loop (min(BENCH_EVENTS, 1000); --smoke 30)
//   BENCH_HALF_LOAD        run the half-load open loops (true)
//   BENCH_SQS              run production on SQS and SNS, on the fauxqs emulator (true)
//   BENCH_SQS_EVENTS       events of the SQS closed loop (min(BENCH_EVENTS, 2000) / min(BENCH_EVENTS, 1000) / 30)
//   BENCH_HALF_LOAD_S      length of each open loop, in s (30 / 20 / 2)
//   BENCH_NAIVE_S          the naive loop's measured window, in s (20 / 10 / 2)
//   BENCH_NAIVE_WARMUP_S   the naive loop's warm-up, in s (5 / 3 / 1)
//   BENCH_RAW_MESSAGES     messages for the bare RabbitMQ test (20000 / 10000 / 500)
//   BENCH_TIMEOUT_S        longest wait for one run's completions (300)
//   BENCH_TAPS             count ingest deliveries and notice messages on queues of its own (true); each tap
//                          adds a little delivery work to RabbitMQ's CPU figure
//   BENCH_EXPRESSIONS      measure the cost of the expression limits first (true / false / false; expressions.mjs)
//   BENCH_RESULTS_DIR      where latest.json (and the timestamped file) go (bench-results/)
//   BENCH_LEDGER           a file that each database, namespace, queue and directory is noted in before it
//                          is created, for a supervisor to remove what a killed run left (support.mjs)
//   BENCH_NODE_OPTIONS     node options of the spawned API, workers and embedded process, given on their command
//                          line (so options NODE_OPTIONS refuses work too), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
//   WORKER_CONCURRENCY     passed to the workers and the embedded process (default: Sluice's, 50)
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { measureExpressionCost } from './expressions.mjs';
import { naiveLoop } from './naive-loop.mjs';
import { EMULATOR } from './sqs.mjs';
import {
  AMQP_URL, PG, ROOT, STEPS_PER_EVENT, createDatabase, databaseStats, deleteQueuesAndExchanges, cpuMeter, hex, intEnv, latencyStats, listRuns,
  round, rowsInserted, rssMiB, runCleanups, sleep, startDriver, startEmbedded, startProduction, startSink, track, waitFor,
} from './support.mjs';

const PRESETS = {
  full: { events: 10000, workers: '1,2,4', embeddedEvents: 1000, sqsEvents: 2000, halfLoadS: 30, naiveS: 20, naiveWarmupS: 5, rawMessages: 20000, rawPgScale: 1, expressions: true },
  quick: { events: 12000, workers: '1,2', embeddedEvents: 1000, sqsEvents: 1000, halfLoadS: 20, naiveS: 10, naiveWarmupS: 3, rawMessages: 10000, rawPgScale: 0.5, expressions: false },
  smoke: { events: 60, workers: '1', embeddedEvents: 30, sqsEvents: 30, halfLoadS: 2, naiveS: 2, naiveWarmupS: 1, rawMessages: 500, rawPgScale: 0.05, expressions: false, warmup: 10 },
};
const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false }, smoke: { type: 'boolean', default: false } }, strict: true });
const MODE = flags.smoke ? 'smoke' : flags.quick ? 'quick' : 'full';
const PRESET = PRESETS[MODE];

const EVENTS = intEnv('BENCH_EVENTS', PRESET.events);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 64);
const WORKER_COUNTS = (process.env.BENCH_WORKERS || PRESET.workers).split(',').map((n) => Number(n.trim())).filter((n) => n > 0);
const WARMUP = intEnv('BENCH_WARMUP', PRESET.warmup ?? Math.min(200, Math.max(20, Math.floor(EVENTS / 20))));
const RUN_EMBEDDED = boolEnv('BENCH_EMBEDDED', true);
const EMBEDDED_EVENTS = intEnv('BENCH_EMBEDDED_EVENTS', Math.min(EVENTS, PRESET.embeddedEvents));
const RUN_HALF_LOAD = boolEnv('BENCH_HALF_LOAD', true);
const RUN_SQS = boolEnv('BENCH_SQS', true);
const SQS_EVENTS = intEnv('BENCH_SQS_EVENTS', Math.min(EVENTS, PRESET.sqsEvents));
const HALF_LOAD_S = intEnv('BENCH_HALF_LOAD_S', PRESET.halfLoadS);
const NAIVE_S = intEnv('BENCH_NAIVE_S', PRESET.naiveS);
const NAIVE_WARMUP_S = intEnv('BENCH_NAIVE_WARMUP_S', PRESET.naiveWarmupS);
const RAW_MESSAGES = intEnv('BENCH_RAW_MESSAGES', PRESET.rawMessages);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_S', 300) * 1000;
const TAPS = boolEnv('BENCH_TAPS', true);
const RUN_EXPRESSIONS = boolEnv('BENCH_EXPRESSIONS', PRESET.expressions);
const RESULTS_DIR = process.env.BENCH_RESULTS_DIR || join(ROOT, 'bench-results');
/** BENCH_NODE_OPTIONS go on the command line: node refuses --cpu-prof in NODE_OPTIONS. */
const NODE_OPTIONS = (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
const SLUICE_ENV = process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {};

/** When the first RSS reading of the engine run is taken, in ms from its start. */
const RSS_FIRST_AT_MS = 10_000;
/** Open-loop triggers waiting for an answer at most; one due beyond that is skipped (and counted). */
const OPEN_LOOP_MAX_IN_FLIGHT = 512;
const TARGETS = { engineStepsToNaive: 3.0, rowsPerEvent: 6, halfLoadP99Ms: 250, embeddedToOneWorker: 1.0, rssGrowth: 0.2 };

/** Cleanups still to run, newest first; run on success, failure and Ctrl-C. */
const cleanups = [];
const log = (message) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function boolEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false, got ${raw}`);
  return raw === 'true';
}

// ───────────────────────────── raw limits ─────────────────────────────

/** Bare amqplib: publish with confirms in windows of 100, consume with manual ack (prefetch 100), 1 KiB persistent messages. */
async function rawRabbitMq(count) {
  const queue = `bench-raw-${hex()}`;
  track('queue', queue);
  cleanups.unshift(() => deleteQueuesAndExchanges([queue]));
  const publisher = await amqp.connect(AMQP_URL);
  const consumer = await amqp.connect(AMQP_URL);
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
 * `scale` shortens every part (1: 400 statements of 100 rows, 2000 single rows).
 */
async function rawPostgres(scale) {
  const database = await createDatabase(cleanups, 'bench_raw');
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
  const statements = Math.max(4, Math.round(400 * scale));
  const singles = Math.max(40, Math.round(2000 * scale / 8) * 8);

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
  await singleRun(setup, singles);
  const single1PerS = Math.round(singles / ((performance.now() - started) / 1000));

  const clients = await Promise.all(Array.from({ length: 8 }, connect));
  started = performance.now();
  await Promise.all(clients.map((client) => singleRun(client, singles / 4)));
  const single8PerS = Math.round((singles * 2) / ((performance.now() - started) / 1000));
  await Promise.all(clients.map((client) => client.end()));

  await setup.query(ddl('rows_temp', 'TEMP'));
  const tempSql = singleSql.replace('rows_single', 'rows_temp');
  started = performance.now();
  for (let i = 0; i < singles; i += 1) await setup.query(tempSql, [randomUUID(), randomUUID()]);
  const tempSingle1PerS = Math.round(singles / ((performance.now() - started) / 1000));
  await setup.end();
  return { multiRowsPerS, single1PerS, single8PerS, tempSingle1PerS };
}

// ───────────────────────────── loops ─────────────────────────────

/** VmRSS of each process, in MiB, and when it was read (s from the run's start). */
function readRss(processes, elapsedMs) {
  return { s: round(elapsedMs / 1000, 1), ...Object.fromEntries(processes.map((proc) => [proc.name, rssMiB(proc.child.pid)])) };
}

/** WARMUP triggers and their completion: JIT, pools, channels. */
async function warmUp(target, driver) {
  const sent = await driver.request({ kind: 'closed', count: WARMUP, inFlight: Math.min(CONCURRENCY, WARMUP), firstIndex: 0 });
  if (sent.failed > 0) throw new Error(`${sent.failed} of ${WARMUP} warm-up triggers were not accepted: ${sent.errors.join('; ')}`);
  await waitFor('warm-up completions', async () => (await target.completed()) >= WARMUP, TIMEOUT_MS);
}

/**
 * `count` triggers with CONCURRENCY in flight, until all have finished.
 * Returns when they started, the driver's answer, the wall time, the CPU
 * used by `parts` (and the driver, PostgreSQL, RabbitMQ) and RSS readings.
 */
async function closedLoop(target, driver, { count, firstIndex, parts, database, onTick }) {
  const baseline = await target.completed();
  const measuredFrom = new Date();
  await sleep(20);
  const cpu = await cpuMeter({ ...parts, driver: [driver.child.pid] }, { database });
  const t0 = performance.now();
  let drivingError;
  // A trigger answered with anything but 202 (or 503 overloaded) never finishes: stop waiting at once.
  const driving = driver.request({ kind: 'closed', count, inFlight: CONCURRENCY, firstIndex }).then(
    (answer) => {
      if (answer.failed > 0) drivingError = new Error(`${answer.failed} of ${count} triggers were not accepted: ${answer.errors.join('; ')}`);
      return answer;
    },
    (error) => {
      drivingError = error;
    },
  );
  let rssFirst;
  await waitFor(`${count} completions`, async () => {
    if (drivingError) throw drivingError;
    return (await target.completed()) >= baseline + count;
  }, TIMEOUT_MS, async () => {
    const elapsed = performance.now() - t0;
    if (!rssFirst && elapsed >= RSS_FIRST_AT_MS) rssFirst = readRss(target.processes, elapsed);
    if (onTick) await onTick(elapsed);
  });
  const sent = await driving;
  if (drivingError) throw drivingError;
  const wallMs = performance.now() - t0;
  const used = await cpu();
  const rssEnd = readRss(target.processes, wallMs);
  return { measuredFrom, sent, wallMs, used, rss: { first: rssFirst ?? rssEnd, end: rssEnd } };
}

/**
 * Triggers at `rate` per second for `seconds` (open loop), until every
 * accepted one has finished. Returns when they started, the driver's answer,
 * the wall time and the CPU used, as closedLoop does.
 */
async function openLoop(target, driver, { rate, seconds, firstIndex, parts, database, onTick }) {
  const baseline = await target.completed();
  const measuredFrom = new Date();
  await sleep(20);
  const cpu = await cpuMeter({ ...parts, driver: [driver.child.pid] }, { database });
  const t0 = performance.now();
  let sent;
  let drivingError;
  const driving = driver.request({ kind: 'open', rate, seconds, firstIndex, maxInFlight: OPEN_LOOP_MAX_IN_FLIGHT }).then(
    (answer) => {
      if (answer.failed > 0) drivingError = new Error(`${answer.failed} open-loop triggers were not accepted: ${answer.errors.join('; ')}`);
      sent = answer;
    },
    (error) => {
      drivingError = error;
    },
  );
  await waitFor('the open loop and its completions', async () => {
    if (drivingError) throw drivingError;
    return sent !== undefined && (await target.completed()) >= baseline + sent.index.length;
  }, seconds * 1000 + TIMEOUT_MS, onTick ? () => onTick(performance.now() - t0) : undefined);
  await driving;
  const wallMs = performance.now() - t0;
  const used = await cpu();
  return { measuredFrom, sent, wallMs, used };
}

/** Once a second: the steps and ingest queues' depth, the outbox rows and the events finished since `baseline`. */
function backlogSampler(deployment, baseline) {
  const samples = [];
  let lastSample = -Infinity;
  const onTick = async (elapsed) => {
    if (elapsed - lastSample < 1000) return;
    lastSample = elapsed;
    const [queued, outbox, done] = await Promise.all([deployment.queueDepths(), deployment.db.query('SELECT count(*) AS n FROM outbox'), deployment.completed()]);
    samples.push({ s: round(elapsed / 1000, 1), completed: done - baseline, stepsQueued: queued.steps, ingestQueued: queued.ingest, outbox: Number(outbox.rows[0].n) });
  };
  return { samples, onTick };
}

// ───────────────────────────── figures ─────────────────────────────

/** Producer run start → consumer run end of every event whose producer run started at `from` or later (production: from the database). */
async function productionLatencies(deployment, from) {
  const { rows } = await deployment.db.query(
    `SELECT extract(epoch FROM p.started_at) * 1000 AS started, extract(epoch FROM c.finished_at) * 1000 AS finished, c.status
     FROM runs c JOIN runs p ON p.id = (c.state->>'parentRunId')::uuid
     WHERE c.flow_id = $1 AND p.started_at >= $2`,
    [deployment.flows.consumerId, from],
  );
  return rows.map((row) => ({ started: Number(row.started), finished: row.finished === null ? NaN : Number(row.finished), status: row.status }));
}

/** The same in embedded mode, through the API (PGlite lives inside the process). */
async function embeddedLatencies(target, from) {
  const producers = new Map((await listRuns(target.baseUrl, target.flows.producerId)).map((run) => [run.id, run]));
  const pairs = [];
  for (const run of await listRuns(target.baseUrl, target.flows.consumerId)) {
    const parent = producers.get(run.parentRunId);
    if (!parent || Date.parse(parent.startedAt) < from.getTime()) continue;
    pairs.push({ started: Date.parse(parent.startedAt), finished: run.finishedAt ? Date.parse(run.finishedAt) : NaN, status: run.status });
  }
  return pairs;
}

const ms = (stats) => ({ p50: round(stats.p50 ?? NaN, 1), p95: round(stats.p95 ?? NaN, 1), p99: round(stats.p99 ?? NaN, 1), max: round(stats.max ?? NaN, 1) });

/** Events/s from first start to last finish, and latency percentiles, of the finished events. */
function summarise(pairs) {
  const finished = pairs.filter((pair) => Number.isFinite(pair.finished));
  const first = Math.min(...finished.map((pair) => pair.started));
  const last = Math.max(...finished.map((pair) => pair.finished));
  return {
    events: finished.length,
    failed: finished.filter((pair) => pair.status === 'failed').length,
    eventsPerS: Math.round(finished.length / ((last - first) / 1000)),
    latencyMs: ms(latencyStats(finished.map((pair) => pair.finished - pair.started))),
  };
}

/** What the driver saw: the answer time of accepted triggers, refusals, and (open loop) how late sends left. */
function driverFigures(sent) {
  const answer = latencyStats(sent.answerMs);
  const late = latencyStats(sent.lateMs);
  return {
    accepted: sent.index.length,
    refused: sent.refused,
    skipped: sent.skipped,
    answerMs: { p50: answer.p50, p99: answer.p99, max: answer.max },
    ...(sent.lateMs.length > 0 ? { sendLateMs: { p50: late.p50, p99: late.p99, max: late.max } } : {}),
  };
}

/** CPU ms per event by part, and how busy the cores were: Sluice's parts, the driver, the rest of the machine. */
function cpuReport(used, events, wallMs) {
  const { harness, machine, postgresAll, ...parts } = used;
  const measured = Object.values(parts).reduce((sum, value) => sum + value, 0);
  return {
    msPerEvent: Object.fromEntries(Object.entries(parts).map(([name, value]) => [name, round(value / events, 2)])),
    totalMsPerEvent: round(measured / events, 2),
    harnessMsPerEvent: round(harness / events, 2),
    postgresMachineWideMsPerEvent: round(postgresAll / events, 2),
    coresBusy: round(measured / wallMs, 2),
    machineCoresBusy: round(machine / wallMs, 2),
    // What else kept the cores busy meanwhile (other work on the machine, this harness included): a noisy run shows here.
    otherCoresBusy: round(Math.max(0, machine - measured) / wallMs, 2),
  };
}

/**
 * Counts what reaches two exchanges on queues of this benchmark's own: the
 * events exchange, bound with `#` like Sluice's ingest queue (so it sees each
 * delivery into it), and the notices fan-out. Exclusive queues: they go with
 * the connection.
 */
async function startTaps(deployment) {
  const channel = await deployment.connection.createChannel();
  const counts = { ingest: 0, notices: 0 };
  const { eventsExchange, noticesExchange } = deployment.names;
  for (const [name, exchange, pattern] of [['ingest', eventsExchange, '#'], ['notices', noticesExchange, '']]) {
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, exchange, pattern);
    await channel.consume(queue, () => {
      counts[name] += 1;
    }, { noAck: true });
  }
  return counts;
}

/** Figures of the whole run read from the store: events, StepSucceeded events and history rows. */
async function storeFigures(deployment) {
  const { db, flows } = deployment;
  // History storage as one row per run per commit exposes its events through a view.
  const source = (await db.query(`SELECT to_regclass('history_events') IS NOT NULL AS view`)).rows[0].view ? 'history_events' : 'history';
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM runs WHERE flow_id = $1 AND status IN ('succeeded', 'failed')) AS events,
            (SELECT count(*) FROM runs WHERE flow_id = $2) AS triggers,
            (SELECT count(*) FROM ${source} WHERE type = 'StepSucceeded') AS steps,
            (SELECT count(*) FROM history) AS history_rows,
            (SELECT count(*) FROM outbox) AS outbox_left`,
    [flows.consumerId, flows.producerId],
  );
  const row = Object.fromEntries(Object.entries(rows[0]).map(([key, value]) => [key, Number(value)]));
  return { historySource: source, ...row };
}

// ───────────────────────────── production mode ─────────────────────────────

/**
 * Production with `workers` workers on `broker` (RabbitMQ, or SQS and SNS on
 * the emulator): warm-up, then `events` triggers in a closed loop. The taps
 * count ingest deliveries and notices on RabbitMQ only.
 */
async function productionRun(workers, sink, { broker = 'rabbitmq', events = EVENTS } = {}) {
  const deployment = await startProduction(cleanups, log, { broker, workers, sinkUrl: sink.url, env: SLUICE_ENV, nodeOptions: NODE_OPTIONS });
  try {
    const taps = TAPS && broker === 'rabbitmq' ? await startTaps(deployment) : null;
    const driver = await startDriver(deployment.cleanups, deployment.baseUrl, deployment.flows.producerId);
    await warmUp(deployment, driver);

    const { samples, onTick } = backlogSampler(deployment, WARMUP);
    const run = await closedLoop(deployment, driver, { count: events, firstIndex: WARMUP, database: deployment.database.name, onTick, parts: productionParts(deployment) });
    const result = summarise(await productionLatencies(deployment, run.measuredFrom));
    const store = await storeFigures(deployment);

    // Stop the processes before reading the statistics: exiting backends flush theirs.
    await driver.stop();
    await deployment.stopProcesses();
    await sleep(600);
    const [stats, outboxInserts] = await Promise.all([databaseStats(deployment.database.name), rowsInserted(deployment.database.name, 'outbox')]);
    const perEvent = (value, digits = 2) => (value === null ? null : round(value / store.events, digits));
    return {
      mode: broker === 'sqs' ? `production on SQS (${EMULATOR}), ${plural(workers, 'worker')}` : `production, ${plural(workers, 'worker')}`,
      workers,
      ...result,
      wallSeconds: round(run.wallMs / 1000, 2),
      triggersPerS: Math.round(events / (run.sent.wallMs / 1000)),
      driver: driverFigures(run.sent),
      perEvent: {
        steps: perEvent(store.steps),
        historyRows: perEvent(store.history_rows),
        outboxInserts: perEvent(outboxInserts),
        ingestDeliveries: taps ? perEvent(taps.ingest) : null,
        notices: taps ? perEvent(taps.notices) : null,
        commits: perEvent(stats.commits),
        rowsInserted: perEvent(stats.inserted, 1),
        rowsUpdated: perEvent(stats.updated, 1),
        rowsDeleted: perEvent(stats.deleted, 1),
      },
      store: { ...store, outboxInserts, rollbacks: stats.rollbacks, ...(taps ? { ingestDeliveries: taps.ingest, notices: taps.notices } : {}) },
      cpu: cpuReport(run.used, events, run.wallMs),
      rss: run.rss,
      samples,
    };
  } catch (error) {
    deployment.printOutput();
    throw error;
  } finally {
    await deployment.close();
  }
}

/** Latency at `rate` triggers/s (open loop): a fresh production deployment with `workers` workers. */
async function productionHalfLoad(workers, rate, sink) {
  const deployment = await startProduction(cleanups, log, { workers, sinkUrl: sink.url, env: SLUICE_ENV, nodeOptions: NODE_OPTIONS });
  try {
    const driver = await startDriver(deployment.cleanups, deployment.baseUrl, deployment.flows.producerId);
    await warmUp(deployment, driver);
    const { samples, onTick } = backlogSampler(deployment, WARMUP);
    const run = await openLoop(deployment, driver, { rate, seconds: HALF_LOAD_S, firstIndex: WARMUP, database: deployment.database.name, onTick, parts: productionParts(deployment) });
    const result = summarise(await productionLatencies(deployment, run.measuredFrom));
    return { mode: `production, ${plural(workers, 'worker')}, open loop`, workers, ...halfLoad(rate, run, result), samples };
  } catch (error) {
    deployment.printOutput();
    throw error;
  } finally {
    await deployment.close();
  }
}

/** The pids whose CPU counts as Sluice's in production mode, and the emulator's on SQS. */
function productionParts(deployment) {
  return { api: [deployment.api.child.pid], worker: deployment.workers.map((worker) => worker.child.pid), ...deployment.parts };
}

function halfLoad(rate, run, result) {
  return {
    offeredPerSec: rate,
    seconds: HALF_LOAD_S,
    scheduled: run.sent.scheduled,
    acceptedPerSec: round(run.sent.index.length / (run.sent.scheduledMs / 1000), 1),
    ...result,
    wallSeconds: round(run.wallMs / 1000, 2),
    driver: driverFigures(run.sent),
    cpu: cpuReport(run.used, run.sent.index.length, run.wallMs),
  };
}

// ───────────────────────────── embedded mode ─────────────────────────────

/** One `npm start` process: a closed loop, then an open loop at half its events/s. */
async function embeddedRuns(sink) {
  const target = await startEmbedded(cleanups, log, { sinkUrl: sink.url, env: SLUICE_ENV, nodeOptions: NODE_OPTIONS });
  try {
    const driver = await startDriver(target.cleanups, target.baseUrl, target.flows.producerId);
    await warmUp(target, driver);
    const run = await closedLoop(target, driver, { count: EMBEDDED_EVENTS, firstIndex: WARMUP, parts: { embedded: [target.proc.child.pid] } });
    const closed = {
      mode: 'embedded (1 process)',
      workers: 0,
      ...summarise(await embeddedLatencies(target, run.measuredFrom)),
      wallSeconds: round(run.wallMs / 1000, 2),
      triggersPerS: Math.round(EMBEDDED_EVENTS / (run.sent.wallMs / 1000)),
      startMs: target.startMs,
      driver: driverFigures(run.sent),
      cpu: cpuReport(run.used, EMBEDDED_EVENTS, run.wallMs),
      rss: run.rss,
    };
    log(`  ${closed.eventsPerS} events/s, p50 ${closed.latencyMs.p50} ms, p99 ${closed.latencyMs.p99} ms (start ${closed.startMs} ms)`);
    if (!RUN_HALF_LOAD) return { closed, open: null };
    const rate = Math.max(1, Math.round(closed.eventsPerS / 2));
    log(`embedded, half load: ${rate} triggers/s for ${HALF_LOAD_S} s (open loop)`);
    const openRun = await openLoop(target, driver, { rate, seconds: HALF_LOAD_S, firstIndex: WARMUP + EMBEDDED_EVENTS, parts: { embedded: [target.proc.child.pid] } });
    const open = { mode: 'embedded (1 process), open loop', workers: 0, ...halfLoad(rate, openRun, summarise(await embeddedLatencies(target, openRun.measuredFrom))) };
    return { closed, open };
  } catch (error) {
    target.printOutput();
    throw error;
  } finally {
    await target.close();
  }
}

// ───────────────────────────── results ─────────────────────────────

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b, 2) : null);

/** The contract's fields (README.md, Benchmark) from the runs. */
function contract(raw, runs, halfLoadRun, embedded, sqs) {
  const best = runs.reduce((a, b) => (b.eventsPerS > a.eventsPerS ? b : a));
  const rssOf = (name) => [best.rss.first[name], best.rss.end[name]];
  const workerNames = best.workers === 0 ? [] : Array.from({ length: best.workers }, (_, i) => `worker-${i + 1}`);
  const sum = (values) => round(values.reduce((total, value) => total + (value ?? NaN), 0), 1);
  const cpu = best.cpu.msPerEvent;
  const results = {
    engine: {
      eventsPerSec: best.eventsPerS,
      stepsPerEvent: best.perEvent.steps,
      workers: best.workers,
      p50Ms: best.latencyMs.p50,
      p99Ms: best.latencyMs.p99,
      rowsPerEvent: best.perEvent.historyRows,
      brokerMsgsPerEvent: best.perEvent.outboxInserts,
      ingestDeliveriesPerEvent: best.perEvent.ingestDeliveries,
      noticesPerEvent: best.perEvent.notices,
      commitsPerEvent: best.perEvent.commits,
      cpuMsPerEvent: { api: cpu.api, worker: cpu.worker, postgres: cpu.postgres, rabbitmq: cpu.rabbitmq, driver: cpu.driver },
    },
    scaling: runs.map((run) => ({ workers: run.workers, eventsPerSec: run.eventsPerS, p50Ms: run.latencyMs.p50, p99Ms: run.latencyMs.p99, cpuMsPerEvent: run.cpu.totalMsPerEvent })),
    latencyAtHalfLoad: halfLoadRun
      ? { workers: halfLoadRun.workers, offeredPerSec: halfLoadRun.offeredPerSec, acceptedPerSec: halfLoadRun.acceptedPerSec, p50Ms: halfLoadRun.latencyMs.p50, p99Ms: halfLoadRun.latencyMs.p99 }
      : null,
    embedded: embedded
      ? {
        eventsPerSec: embedded.closed.eventsPerS,
        p50Ms: embedded.closed.latencyMs.p50,
        p99Ms: embedded.closed.latencyMs.p99,
        cpuMsPerEvent: { embedded: embedded.closed.cpu.msPerEvent.embedded, driver: embedded.closed.cpu.msPerEvent.driver },
        latencyAtHalfLoad: embedded.open
          ? { offeredPerSec: embedded.open.offeredPerSec, acceptedPerSec: embedded.open.acceptedPerSec, p50Ms: embedded.open.latencyMs.p50, p99Ms: embedded.open.latencyMs.p99 }
          : null,
      }
      : null,
    sqs: sqs
      ? {
        emulator: EMULATOR,
        note: `measured against the ${EMULATOR} SQS and SNS emulator on this machine, not against AWS: it shows what the SQS adapter costs Sluice, not what SQS and SNS would give`,
        workers: sqs.workers,
        eventsPerSec: sqs.eventsPerS,
        p50Ms: sqs.latencyMs.p50,
        p99Ms: sqs.latencyMs.p99,
        stepsPerEvent: sqs.perEvent.steps,
        brokerMsgsPerEvent: sqs.perEvent.outboxInserts,
        commitsPerEvent: sqs.perEvent.commits,
        cpuMsPerEvent: { api: sqs.cpu.msPerEvent.api, worker: sqs.cpu.msPerEvent.worker, postgres: sqs.cpu.msPerEvent.postgres, emulator: sqs.cpu.msPerEvent.emulator, driver: sqs.cpu.msPerEvent.driver },
      }
      : null,
    raw: { amqpMsgsPerSec: raw.rabbitmq.endToEndPerS, pgRowsPerSec: raw.postgres.multiRowsPerS, pipelineStepsPerSec: raw.naiveLoop.stepsPerSec, ...raw },
    rss: {
      api: rssOf('api'),
      worker: [sum(workerNames.map((name) => best.rss.first[name])), sum(workerNames.map((name) => best.rss.end[name]))],
      workers: workerNames.map(rssOf),
      atSeconds: [best.rss.first.s, best.rss.end.s],
    },
  };
  const oneWorker = runs.find((run) => run.workers === 1);
  results.ratios = {
    engineStepsToNaive: ratio(results.engine.eventsPerSec * results.engine.stepsPerEvent, results.raw.pipelineStepsPerSec),
    embeddedToOneWorker: embedded && oneWorker ? ratio(embedded.closed.eventsPerS, oneWorker.eventsPerS) : null,
    rss: Object.fromEntries(['api', ...workerNames].map((name) => [name, ratio(best.rss.end[name], best.rss.first[name])])),
  };
  results.targets = targets(results);
  return results;
}

/** Each target: the measured value, the bound, pass or fail (null: not measured in this run). */
function targets(results) {
  const check = (value, bound, passes) => ({ value, target: bound, pass: value === null || value === undefined ? null : passes(value) });
  const rssRatios = Object.values(results.ratios.rss);
  const list = {
    engineStepsToNaive: check(results.ratios.engineStepsToNaive, `≥ ${TARGETS.engineStepsToNaive}`, (v) => v >= TARGETS.engineStepsToNaive),
    rowsPerEvent: check(results.engine.rowsPerEvent, `≤ ${TARGETS.rowsPerEvent}`, (v) => v <= TARGETS.rowsPerEvent),
    halfLoadP99Ms: check(results.latencyAtHalfLoad?.p99Ms ?? null, `< ${TARGETS.halfLoadP99Ms}`, (v) => v < TARGETS.halfLoadP99Ms),
    embeddedToOneWorker: check(results.ratios.embeddedToOneWorker, `≥ ${TARGETS.embeddedToOneWorker}`, (v) => v >= TARGETS.embeddedToOneWorker),
    embeddedHalfLoadP99Ms: check(results.embedded?.latencyAtHalfLoad?.p99Ms ?? null, `< ${TARGETS.halfLoadP99Ms}`, (v) => v < TARGETS.halfLoadP99Ms),
    rssEndTo10s: check(rssRatios.includes(null) || rssRatios.length === 0 ? null : Math.max(...rssRatios), `≤ ${1 + TARGETS.rssGrowth}`, (v) => v <= 1 + TARGETS.rssGrowth),
  };
  const verdicts = Object.values(list).map((entry) => entry.pass);
  return { ...list, allPass: verdicts.every((pass) => pass === true) };
}

function table(results) {
  const lines = [];
  const pad = (value, width) => String(value ?? '–').padStart(width);
  const { raw, engine, targets: goals, ratios } = results;
  lines.push('');
  lines.push(`Sluice benchmark (${MODE}) — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, ${EVENTS} events per production run (embedded ${EMBEDDED_EVENTS}), ${CONCURRENCY} triggers in flight`);
  lines.push('');
  lines.push('raw limits');
  lines.push(`  RabbitMQ, 1 KiB persistent, confirms in windows of 100:  publish ${raw.rabbitmq.publishConfirmPerS} msg/s; publish→consume-ack ${raw.amqpMsgsPerSec} msg/s`);
  lines.push(`  PostgreSQL, 100 rows per INSERT:                          ${raw.pgRowsPerSec} rows/s`);
  lines.push(`  PostgreSQL, single-row INSERT (own transaction):          ${raw.postgres.single1PerS}/s on 1 connection, ${raw.postgres.single8PerS}/s on 8`);
  lines.push(`  PostgreSQL, single-row INSERT into a TEMP table (no WAL): ${raw.postgres.tempSingle1PerS}/s on 1 connection`);
  const naive = raw.naiveLoop;
  lines.push(`  naive durable step loop (50 in flight):                   ${raw.pipelineStepsPerSec} steps/s; CPU ms/step ${naive.cpuMsPerStep.total} (consumer ${naive.cpuMsPerStep.consumer}, PostgreSQL ${naive.cpuMsPerStep.postgres}, RabbitMQ ${naive.cpuMsPerStep.rabbitmq}); other work ${naive.otherCoresBusy} cores`);
  lines.push('');
  lines.push('end to end (trigger → filter → transform → publish ⇒ subscribe → http → end)');
  lines.push(`  ${'run'.padEnd(44)}${pad('events/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('CPU ms/ev', 11)}${pad('cores', 7)}${pad('others', 8)}`);
  for (const run of results.runs) {
    const label = run.offeredPerSec ? `${run.mode} at ${run.offeredPerSec}/s` : run.mode;
    lines.push(`  ${label.padEnd(44)}${pad(run.eventsPerS, 9)}${pad(run.latencyMs.p50, 9)}${pad(run.latencyMs.p99, 9)}${pad(run.latencyMs.max, 9)}${pad(run.cpu?.totalMsPerEvent, 11)}${pad(run.cpu?.coresBusy, 7)}${pad(run.cpu?.otherCoresBusy, 8)}`);
  }
  lines.push('  (cores: kept busy by Sluice, PostgreSQL, RabbitMQ and the driver; others: by anything else on the machine, this harness included)');
  lines.push('');
  lines.push(`engine: production, ${plural(engine.workers, 'worker')}, per event: ${engine.stepsPerEvent} steps, ${engine.rowsPerEvent} history rows, ${engine.brokerMsgsPerEvent} outbox inserts (messages to RabbitMQ), ` +
    `${engine.ingestDeliveriesPerEvent ?? '–'} ingest deliveries, ${engine.noticesPerEvent ?? '–'} notice messages, ${engine.commitsPerEvent} commits`);
  lines.push(`  CPU ms per event: ${Object.entries(engine.cpuMsPerEvent).map(([name, value]) => `${name} ${value}`).join(', ')}`);
  lines.push(`  RSS MiB at ${results.rss.atSeconds[0]} s → ${results.rss.atSeconds[1]} s: api ${results.rss.api.join(' → ')}, workers ${results.rss.worker.join(' → ')}`);
  if (results.sqs) {
    const { sqs } = results;
    lines.push(`sqs (${sqs.emulator}, an emulator on this machine, not AWS): production, ${plural(sqs.workers, 'worker')}, ${sqs.eventsPerSec} events/s, p50 ${sqs.p50Ms} ms, p99 ${sqs.p99Ms} ms, ` +
      `${sqs.brokerMsgsPerEvent} outbox inserts (messages to SQS and SNS) per event`);
    lines.push(`  CPU ms per event: ${Object.entries(sqs.cpuMsPerEvent).map(([name, value]) => `${name} ${value}`).join(', ')}`);
  }
  lines.push('');
  const verdict = (entry) => (entry.pass === null ? 'n/a ' : entry.pass ? 'pass' : 'FAIL');
  const steps = round(engine.eventsPerSec * engine.stepsPerEvent, 0);
  lines.push('targets');
  lines.push(`  ${verdict(goals.engineStepsToNaive)}  engine steps/s ÷ naive loop steps/s  ${steps} ÷ ${raw.pipelineStepsPerSec} = ${ratios.engineStepsToNaive ?? '–'} (${goals.engineStepsToNaive.target})`);
  lines.push(`  ${verdict(goals.rowsPerEvent)}  history rows per event               ${engine.rowsPerEvent} (${goals.rowsPerEvent.target})`);
  lines.push(`  ${verdict(goals.halfLoadP99Ms)}  p99 at half load, production          ${results.latencyAtHalfLoad?.p99Ms ?? '–'} ms at ${results.latencyAtHalfLoad?.offeredPerSec ?? '–'}/s (${goals.halfLoadP99Ms.target} ms)`);
  lines.push(`  ${verdict(goals.embeddedToOneWorker)}  embedded ÷ production with 1 worker   ${results.embedded?.eventsPerSec ?? '–'} ÷ ${results.scaling.find((row) => row.workers === 1)?.eventsPerSec ?? '–'} = ${ratios.embeddedToOneWorker ?? '–'} (${goals.embeddedToOneWorker.target})`);
  lines.push(`  ${verdict(goals.embeddedHalfLoadP99Ms)}  p99 at half load, embedded            ${results.embedded?.latencyAtHalfLoad?.p99Ms ?? '–'} ms at ${results.embedded?.latencyAtHalfLoad?.offeredPerSec ?? '–'}/s (${goals.embeddedHalfLoadP99Ms.target} ms)`);
  lines.push(`  ${verdict(goals.rssEndTo10s)}  RSS at the end ÷ RSS at ${results.rss.atSeconds[0]} s        ${Object.entries(ratios.rss).map(([name, value]) => `${name} ${value}`).join(', ')} (${goals.rssEndTo10s.target})`);
  lines.push(`  ${goals.allPass ? 'all targets met' : 'targets missed'}`);
  lines.push('');
  return lines.join('\n');
}

const cleanup = () => runCleanups(cleanups, log);
/** Set on SIGINT or SIGTERM: the cleanup closes what the run is using, and the run's failures that follow are expected. */
let stopping = false;

async function main() {
  const started = Date.now();
  const at = new Date().toISOString();
  const settings = {
    mode: MODE, events: EVENTS, embeddedEvents: EMBEDDED_EVENTS, warmup: WARMUP, concurrency: CONCURRENCY, workerCounts: WORKER_COUNTS,
    sqs: RUN_SQS, sqsEvents: SQS_EVENTS, halfLoadSeconds: HALF_LOAD_S, naiveSeconds: NAIVE_S, naiveWarmupSeconds: NAIVE_WARMUP_S, rawMessages: RAW_MESSAGES, taps: TAPS,
    workerConcurrency: process.env.WORKER_CONCURRENCY ?? '50 (default)', nodeOptions: NODE_OPTIONS,
  };
  let expressions;
  if (RUN_EXPRESSIONS) {
    log('expression evaluations per second, before and after the expression limits');
    expressions = await measureExpressionCost({ attacks: false, print: (line) => log(line) });
  }
  const raw = {};
  log(`raw RabbitMQ: ${RAW_MESSAGES} messages`);
  raw.rabbitmq = await rawRabbitMq(RAW_MESSAGES);
  log(`  ${JSON.stringify(raw.rabbitmq)}`);
  log('raw PostgreSQL');
  raw.postgres = await rawPostgres(PRESET.rawPgScale);
  log(`  ${JSON.stringify(raw.postgres)}`);
  await cleanup();
  log(`naive durable step loop: ${NAIVE_WARMUP_S} s warm-up, ${NAIVE_S} s measured`);
  raw.naiveLoop = await naiveLoop({ cleanups, log, warmupSeconds: NAIVE_WARMUP_S, seconds: NAIVE_S });
  log(`  ${raw.naiveLoop.stepsPerSec} steps/s, ${raw.naiveLoop.cpuMsPerStep.total} CPU ms/step`);

  const sink = await startSink(cleanups);
  const runs = [];
  for (const workers of WORKER_COUNTS) {
    log(`production, ${plural(workers, 'worker')}: ${WARMUP} warm-up + ${EVENTS} events`);
    const run = await productionRun(workers, sink);
    runs.push(run);
    log(`  ${run.eventsPerS} events/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms; per event: ${run.perEvent.steps} steps, ${run.perEvent.historyRows} history rows, ${run.perEvent.outboxInserts} outbox inserts, ${run.perEvent.commits} commits`);
  }
  const best = runs.reduce((a, b) => (b.eventsPerS > a.eventsPerS ? b : a));
  let halfLoadRun = null;
  if (RUN_HALF_LOAD) {
    const rate = Math.max(1, Math.round(best.eventsPerS / 2));
    log(`production, ${plural(best.workers, 'worker')}, half load: ${rate} triggers/s for ${HALF_LOAD_S} s (open loop)`);
    halfLoadRun = await productionHalfLoad(best.workers, rate, sink);
    log(`  p50 ${halfLoadRun.latencyMs.p50} ms, p99 ${halfLoadRun.latencyMs.p99} ms, ${halfLoadRun.acceptedPerSec} accepted/s`);
  }
  let embedded = null;
  if (RUN_EMBEDDED) {
    log(`embedded (one process): ${WARMUP} warm-up + ${EMBEDDED_EVENTS} events`);
    embedded = await embeddedRuns(sink);
    if (embedded.open) log(`  p50 ${embedded.open.latencyMs.p50} ms, p99 ${embedded.open.latencyMs.p99} ms, ${embedded.open.acceptedPerSec} accepted/s`);
  }
  let sqs = null;
  if (RUN_SQS) {
    log(`production on SQS and SNS (${EMULATOR}), 1 worker: ${WARMUP} warm-up + ${SQS_EVENTS} events`);
    sqs = await productionRun(1, sink, { broker: 'sqs', events: SQS_EVENTS });
    log(`  ${sqs.eventsPerS} events/s, p50 ${sqs.latencyMs.p50} ms, p99 ${sqs.latencyMs.p99} ms; per event: ${sqs.perEvent.outboxInserts} outbox inserts, ${sqs.perEvent.commits} commits`);
  }
  const sinkRequests = sink.count();
  await cleanup();

  const results = {
    at,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    settings,
    ...contract(raw, runs, halfLoadRun, embedded, sqs),
    stepsPerEventExpected: STEPS_PER_EVENT,
    runs: [...runs, ...(halfLoadRun ? [halfLoadRun] : []), ...(embedded ? [embedded.closed, ...(embedded.open ? [embedded.open] : [])] : []), ...(sqs ? [sqs] : [])],
    ...(expressions ? { expressions } : {}),
    sinkRequests,
    seconds: Math.round((Date.now() - started) / 1000),
  };

  process.stdout.write(table(results));
  await mkdir(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const latest = join(RESULTS_DIR, 'latest.json');
  await writeFile(latest, text);
  const written = [latest];
  if (MODE === 'full') {
    const file = join(RESULTS_DIR, `bench-${at.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, text);
    written.unshift(file);
  }
  process.stdout.write(`results: ${written.join(', ')} (${results.seconds} s)\n`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopping = true;
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().catch(async (error) => {
  if (stopping) return;
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await cleanup();
  process.exit(1);
});
