// `npm run bench:overload` (README.md, Benchmark): sustained overload against
// backpressure (docs/guarantees.md#backpressure). The standard flows of
// test/bench/flows.mjs, with OVERLOAD_CONCURRENCY triggers in flight for
// OVERLOAD_SECONDS: a trigger refused with 503 is sent again at once, so the
// pressure never lets up. Reports, for the accepted events, the latency from
// accept (the producer run's start) to finish (the consumer run's end), how
// many triggers were refused, and the backlog (outbox rows, steps and ingest
// queue depth) every second. Runs over the built dist (the script builds first).
//
//   producer: trigger → filter (event.amount > 100) → transform → publish bench.orders
//   consumer: subscribe bench.orders → http POST to a local sink → end
//
// Production mode: a fresh database, RabbitMQ under a random AMQP_NAMESPACE,
// the API and OVERLOAD_WORKERS worker processes. Embedded mode: one `npm start`
// process. Everything it creates is removed at the end, also after a failure.
//
// Environment:
//   OVERLOAD_SECONDS       how long the load lasts (default 30)
//   OVERLOAD_CONCURRENCY   triggers in flight (default 64)
//   OVERLOAD_WORKERS       worker processes in production mode (default 1)
//   OVERLOAD_MODES         production,embedded (default both)
//   OVERLOAD_SINK_DELAY_MS how long the http step's target takes to answer (default 0): with WORKER_CONCURRENCY
//                          50 and 500 ms, a worker finishes at most 100 events/s
//   SLUICE_MAX_BACKLOG, SLUICE_MAX_BACKLOG_DRAIN_MS, SLUICE_BACKPRESSURE_WAIT_MS, WORKER_CONCURRENCY
//                          passed to Sluice when set
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  ROOT, finishedRuns, intEnv, latencyStats, listRuns, metricValue, orderEvent, runCleanups, sleep, startEmbedded, startProduction, startSink,
} from './support.mjs';

const SECONDS = intEnv('OVERLOAD_SECONDS', 30);
const CONCURRENCY = intEnv('OVERLOAD_CONCURRENCY', 64);
const WORKERS = intEnv('OVERLOAD_WORKERS', 1);
/** How long the sink takes to answer, in ms: slow steps make for a slow worker without taking CPU from anything else. */
const SINK_DELAY_MS = Number(process.env.OVERLOAD_SINK_DELAY_MS ?? 0);
const MODES = (process.env.OVERLOAD_MODES ?? 'production,embedded').split(',').map((mode) => mode.trim()).filter(Boolean);
const PASSED = Object.fromEntries(
  ['SLUICE_MAX_BACKLOG', 'SLUICE_MAX_BACKLOG_DRAIN_MS', 'SLUICE_BACKPRESSURE_WAIT_MS', 'WORKER_CONCURRENCY'].filter((name) => process.env[name]).map((name) => [name, process.env[name]]),
);
/** Longest wait for the accepted events to finish once the load stops, in ms. */
const DRAIN_TIMEOUT_MS = 120_000;

const cleanups = [];
const log = (message) => process.stdout.write(`[overload ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const cleanup = () => runCleanups(cleanups, log);

/** Latency percentiles in whole ms. */
function stats(values) {
  const { count, ...percentiles } = latencyStats(values);
  return { count, ...Object.fromEntries(Object.entries(percentiles).map(([name, value]) => [name, value === null ? null : Math.round(value)])) };
}

/** CONCURRENCY lanes send triggers until `seconds` have passed; a refused one is sent again at once. */
async function overload(baseUrl, producerId, seconds) {
  const until = performance.now() + seconds * 1000;
  const counts = { accepted: 0, refused: 0, other: 0 };
  const refusedWaitMs = [];
  const retryAfter = new Set();
  let next = 0;
  const lane = async () => {
    while (performance.now() < until) {
      const i = next++;
      const sent = performance.now();
      const response = await fetch(`${baseUrl}/api/flows/${producerId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(orderEvent(i)),
      });
      const text = await response.text();
      if (response.status === 202) counts.accepted += 1;
      else if (response.status === 503 && JSON.parse(text).error?.code === 'overloaded') {
        counts.refused += 1;
        refusedWaitMs.push(performance.now() - sent);
        retryAfter.add(response.headers.get('retry-after'));
      } else {
        counts.other += 1;
        if (counts.other <= 3) log(`unexpected answer ${response.status}: ${text.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { ...counts, refusedAnswerMs: stats(refusedWaitMs), retryAfter: [...retryAfter] };
}

/** Samples /metrics every second while `work` runs. */
async function sampling(baseUrl, work, extra = async () => ({})) {
  const samples = [];
  const t0 = performance.now();
  let done = false;
  const loop = (async () => {
    while (!done) {
      try {
        const text = await (await fetch(`${baseUrl}/metrics`)).text();
        samples.push({
          s: Math.round((performance.now() - t0) / 100) / 10,
          backlog: metricValue(text, 'sluice_backlog'),
          limit: metricValue(text, 'sluice_backlog_limit'),
          drainPerS: metricValue(text, 'sluice_backlog_drain_per_second'),
          outbox: metricValue(text, 'sluice_backlog_outbox'),
          queued: metricValue(text, 'sluice_broker_queue_depth'),
          waiting: metricValue(text, 'sluice_backpressure_waiting'),
          refused: metricValue(text, 'sluice_triggers_refused_total'),
          ...(await extra()),
        });
      } catch {
        /* the process is busy or stopping */
      }
      await sleep(1000);
    }
  })();
  try {
    return { result: await work(), samples };
  } finally {
    done = true;
    await loop;
  }
}

function report(mode, load, latency, samples, wallSeconds) {
  const maxOf = (key) => Math.max(...samples.map((sample) => sample[key] ?? 0));
  return {
    mode,
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    accepted: load.accepted,
    refused: load.refused,
    otherAnswers: load.other,
    acceptedPerS: Math.round(load.accepted / SECONDS),
    finished: latency.count,
    acceptToFinishMs: latency,
    refusedAnswerMs: load.refusedAnswerMs,
    retryAfter: load.retryAfter,
    backlogMax: maxOf('backlog'),
    queuedMax: maxOf('queued'),
    limit: samples.at(-1)?.limit ?? null,
    wallSeconds,
    samples,
  };
}

// ───────────────────────────── modes ─────────────────────────────

/** Waits until `finished()` reaches `count`. */
async function drained(finished, count) {
  for (let until = Date.now() + DRAIN_TIMEOUT_MS; (await finished()) < count; await sleep(250)) {
    if (Date.now() > until) throw new Error(`accepted events did not finish within ${DRAIN_TIMEOUT_MS} ms`);
  }
}

async function production(sinkUrl) {
  const deployment = await startProduction(cleanups, log, { prefix: 'bench_overload', workers: WORKERS, sinkUrl, env: PASSED });
  const { baseUrl, flows, channel, names, db } = deployment;
  try {
    const started = performance.now();
    const { result: load, samples } = await sampling(baseUrl, () => overload(baseUrl, flows.producerId, SECONDS), async () => ({
      stepsQueue: (await channel.checkQueue(names.stepsQueue)).messageCount,
      ingestQueue: (await channel.checkQueue(names.ingestQueue)).messageCount,
    }));
    log(`  load over: ${load.accepted} accepted, ${load.refused} refused; waiting for the accepted events to finish`);
    await drained(deployment.completed, load.accepted);
    const wallSeconds = Math.round((performance.now() - started) / 100) / 10;
    const { rows } = await db.query(
      `SELECT extract(epoch FROM c.finished_at) * 1000 - extract(epoch FROM p.started_at) * 1000 AS ms
       FROM runs c JOIN runs p ON p.id = (c.state->>'parentRunId')::uuid WHERE c.flow_id = $1 AND c.finished_at IS NOT NULL`,
      [flows.consumerId],
    );
    const limit = metricValue(await (await fetch(`${baseUrl}/metrics`)).text(), 'sluice_backlog_limit');
    const result = report(`production, ${WORKERS} worker${WORKERS === 1 ? '' : 's'}`, load, stats(rows.map((row) => Number(row.ms))), samples, wallSeconds);
    result.limit = limit;
    return result;
  } catch (error) {
    deployment.printOutput();
    throw error;
  } finally {
    await deployment.close();
  }
}

async function embedded(sinkUrl) {
  const target = await startEmbedded(cleanups, log, { sinkUrl, env: PASSED, prefix: 'sluice-overload-' });
  const { baseUrl, flows } = target;
  try {
    const started = performance.now();
    const { result: load, samples } = await sampling(baseUrl, () => overload(baseUrl, flows.producerId, SECONDS));
    log(`  load over: ${load.accepted} accepted, ${load.refused} refused; waiting for the accepted events to finish`);
    // Each event finishes two runs: the producer's and the consumer's.
    await drained(() => finishedRuns(baseUrl), 2 * load.accepted);
    const wallSeconds = Math.round((performance.now() - started) / 100) / 10;
    const producers = new Map((await listRuns(baseUrl, flows.producerId)).map((run) => [run.id, run]));
    const latencies = (await listRuns(baseUrl, flows.consumerId))
      .filter((run) => run.finishedAt && producers.has(run.parentRunId))
      .map((run) => Date.parse(run.finishedAt) - Date.parse(producers.get(run.parentRunId).startedAt));
    const result = report('embedded (1 process)', load, stats(latencies), samples, wallSeconds);
    result.limit = metricValue(await (await fetch(`${baseUrl}/metrics`)).text(), 'sluice_backlog_limit');
    return result;
  } catch (error) {
    target.printOutput();
    throw error;
  } finally {
    await target.close();
  }
}

// ───────────────────────────── main ─────────────────────────────

function table(results) {
  const pad = (value, width) => String(value ?? '–').padStart(width);
  const settings = { ...PASSED, ...(SINK_DELAY_MS > 0 ? { OVERLOAD_SINK_DELAY_MS: SINK_DELAY_MS } : {}) };
  const lines = ['', `Sluice overload — ${cpus().length} CPUs, node ${process.version}, ${CONCURRENCY} triggers in flight for ${SECONDS} s${Object.keys(settings).length ? `, ${JSON.stringify(settings)}` : ''}`, ''];
  lines.push(`  ${'mode'.padEnd(24)}${pad('bound', 7)}${pad('accepted/s', 12)}${pad('refused', 9)}${pad('p50 ms', 9)}${pad('p95 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('backlog max', 13)}`);
  for (const run of results) {
    const latency = run.acceptToFinishMs;
    lines.push(`  ${run.mode.padEnd(24)}${pad(run.limit, 7)}${pad(run.acceptedPerS, 12)}${pad(run.refused, 9)}${pad(latency.p50, 9)}${pad(latency.p95, 9)}${pad(latency.p99, 9)}${pad(latency.max, 9)}${pad(run.backlogMax, 13)}`);
  }
  lines.push('');
  return lines.join('\n');
}

async function main() {
  const started = Date.now();
  const sinkUrl = (await startSink(cleanups, { delayMs: SINK_DELAY_MS })).url;
  const results = [];
  for (const mode of MODES) {
    if (mode !== 'production' && mode !== 'embedded') throw new Error(`OVERLOAD_MODES: unknown mode ${mode}`);
    log(`${mode}: ${CONCURRENCY} triggers in flight for ${SECONDS} s`);
    // Each mode removes its database, queues, processes and data directory when it is done; the sink stays.
    const run = mode === 'production' ? await production(sinkUrl) : await embedded(sinkUrl);
    const latency = run.acceptToFinishMs;
    log(`  ${run.accepted} accepted (${run.acceptedPerS}/s), ${run.refused} refused; accept→finish p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`);
    results.push(run);
  }
  await cleanup();
  process.stdout.write(table(results));
  const dir = join(ROOT, 'bench-results');
  await mkdir(dir, { recursive: true });
  const at = new Date().toISOString();
  const file = join(dir, `overload-${at.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify({ at, settings: { seconds: SECONDS, concurrency: CONCURRENCY, workers: WORKERS, sinkDelayMs: SINK_DELAY_MS, ...PASSED }, results }, null, 2)}\n`);
  process.stdout.write(`results: ${file} (${Math.round((Date.now() - started) / 1000)} s)\n`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().catch(async (error) => {
  process.stderr.write(`overload bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await cleanup();
  process.exit(1);
});
