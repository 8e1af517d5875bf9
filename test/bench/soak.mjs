// `npm run soak` (README.md, Benchmark): the standard flows of
// test/bench/bench.mjs in production mode — a fresh database, RabbitMQ under a
// random AMQP_NAMESPACE, the API and `--workers` worker processes — driven at
// half their measured capacity for `--minutes`, to show that memory and the
// backlog stay flat. Runs over the built dist (the script builds first).
//
//   producer: trigger → filter (event.amount > 100) → transform → publish bench.orders
//   consumer: subscribe bench.orders → http POST to a local sink → end
//
// 1. Capacity: after a warm-up, CAPACITY_IN_FLIGHT triggers in flight for
//    CAPACITY_SECONDS (a trigger refused with 503 overloaded is sent again);
//    capacity is the consumer runs finished per second after the first
//    CAPACITY_RAMP_SECONDS. `--rate N` skips this and drives at N.
// 2. Soak: triggers at a steady rate (open loop: each is sent on schedule,
//    whatever the others are doing) for `--minutes`. Every 10 s: each process's
//    RSS (VmRSS in /proc/<pid>/status), the outbox rows, the steps and ingest
//    queue depths, triggers accepted, consumer runs finished, the latency
//    from the producer run's start to the consumer run's end, how long a
//    trigger took to answer, and the machine's load average.
// 3. Drain: the load stops and every accepted event must finish.
//
// PASS when, comparing the tenth of the run that starts one fifth into it
// (minutes 2–3 of 10) with its last tenth (the last minute), each window at
// least one 10 s sample long:
//   - no process's RSS averaged over the last window is more than 15% above
//     its average over the first (a single sample swings by a fifth with the
//     garbage collector);
//   - the backlog (outbox + steps + ingest) averaged over the last window is
//     at most its average over the first plus one second of triggers (at
//     least 50);
//   - at least 95% of the scheduled triggers were accepted, none failed
//     otherwise, and every accepted event finished once the load stopped.
//
//   node test/bench/soak.mjs [--minutes 10] [--rate N] [--workers 2]
//
// Everything it creates (database, queues, exchanges) is removed at the end,
// also after a failure. Results: bench-results/soak-<timestamp>.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { ROOT, latencyStats, orderEvent, runCleanups, sleep, startProduction, startSink, waitFor } from './support.mjs';

const SAMPLE_SECONDS = 10;
const WARMUP = 200;
const CAPACITY_SECONDS = 25;
const CAPACITY_RAMP_SECONDS = 5;
const CAPACITY_IN_FLIGHT = 64;
/** Open-loop triggers waiting for an answer at most; one due beyond that is skipped (and counted). */
const MAX_IN_FLIGHT = 512;
/** Longest wait for the accepted events to finish (after warm-up, capacity and the soak), in ms. */
const DRAIN_TIMEOUT_MS = 180_000;
const RSS_GROWTH_LIMIT = 0.15;

const cleanups = [];
const log = (message) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function options() {
  const { values } = parseArgs({
    options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string' }, workers: { type: 'string', default: '2' } },
    strict: true,
  });
  const positive = (name, raw, integer) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
    return value;
  };
  return {
    minutes: positive('minutes', values.minutes, false),
    rate: values.rate === undefined ? undefined : positive('rate', values.rate, false),
    workers: positive('workers', values.workers, true),
  };
}

// ───────────────────────────── measurements ─────────────────────────────

/** Resident set size of a process in bytes: VmRSS from /proc, else `ps`; null once it is gone. */
function rssOf(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    /* no /proc: ask ps */
  }
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    return Number.isFinite(kb) && kb > 0 ? kb * 1024 : null;
  } catch {
    return null;
  }
}

const mb = (bytes) => (bytes === null ? '–' : `${(bytes / 1048576).toFixed(1)} MB`);
const ms = (value) => (value === null || value === undefined ? '–' : `${Math.round(value)} ms`);
const average = (values) => (values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length);

/**
 * Consumer runs that finished since the last call, with their latency from
 * the producer run's start. A run's finished_at can be a little older than
 * the moment its row becomes visible, so each query looks back a few seconds
 * before the newest finish it has seen and skips the runs it already counted.
 */
function finishTracker(db, consumerId) {
  const seen = new Map();
  let watermark = new Date(0);
  return async () => {
    const { rows } = await db.query(
      `SELECT c.id, c.finished_at, extract(epoch FROM c.finished_at - p.started_at) * 1000 AS latency
       FROM runs c JOIN runs p ON p.id = (c.state->>'parentRunId')::uuid
       WHERE c.flow_id = $1 AND c.status IN ('succeeded', 'failed') AND c.finished_at > $2`,
      [consumerId, new Date(watermark.getTime() - 10_000)],
    );
    const latencies = [];
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.set(row.id, row.finished_at);
      latencies.push(Number(row.latency));
      if (row.finished_at > watermark) watermark = row.finished_at;
    }
    const forget = watermark.getTime() - 30_000;
    for (const [id, at] of seen) if (at.getTime() < forget) seen.delete(id);
    return latencies;
  };
}

// ───────────────────────────── the trigger client ─────────────────────────────

/** Triggers over undici keep-alive connections; counts answers by kind. */
function triggerClient(baseUrl, producerId) {
  const pool = new Pool(baseUrl, { connections: 128, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  cleanups.unshift(() => pool.close());
  const path = `/api/flows/${producerId}/events`;
  const counts = { accepted: 0, refused: 0, failed: 0, skipped: 0 };
  const errors = [];
  let answerMs = [];
  let next = 0;
  /** Sends one trigger; returns 'accepted', 'refused' (503 overloaded) or 'failed'. */
  const send = async () => {
    const i = next;
    next += 1;
    const sent = performance.now();
    try {
      const { statusCode, body } = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(orderEvent(i)) });
      const text = await body.text();
      answerMs.push(performance.now() - sent);
      if (statusCode === 202) {
        counts.accepted += 1;
        return 'accepted';
      }
      if (statusCode === 503 && text.includes('"overloaded"')) {
        counts.refused += 1;
        return 'refused';
      }
      counts.failed += 1;
      if (errors.length < 5) errors.push(`${statusCode} ${text.slice(0, 200)}`);
      return 'failed';
    } catch (error) {
      counts.failed += 1;
      if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
      return 'failed';
    }
  };
  /** `lanes` triggers in flight until `seconds` have passed (or `count` were accepted); a refused one is sent again. */
  const closedLoop = async (lanes, { seconds = Infinity, count = Infinity }) => {
    const deadline = performance.now() + seconds * 1000;
    const target = counts.accepted + count;
    let claimed = counts.accepted;
    const lane = async () => {
      while (performance.now() < deadline && claimed < target) {
        claimed += 1;
        let outcome;
        do outcome = await send();
        while (outcome === 'refused' && performance.now() < deadline);
        if (outcome !== 'accepted') claimed -= 1;
        if (outcome === 'failed') await sleep(100);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  };
  /** `rate` triggers per second for `seconds`, each on schedule, unless `stop()` says otherwise first. */
  const openLoop = async (rate, seconds, stop) => {
    let inFlight = 0;
    let scheduled = 0;
    const pending = new Set();
    const started = performance.now();
    const end = started + seconds * 1000;
    while (performance.now() < end && !stop()) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; scheduled < due; scheduled += 1) {
        if (inFlight >= MAX_IN_FLIGHT) {
          counts.skipped += 1;
          continue;
        }
        inFlight += 1;
        const request = send().finally(() => {
          inFlight -= 1;
          pending.delete(request);
        });
        pending.add(request);
      }
      await sleep(5);
    }
    await Promise.all(pending);
    return scheduled;
  };
  /** Answer times of the triggers since the last call, in ms. */
  const takeAnswerMs = () => {
    const taken = answerMs;
    answerMs = [];
    return taken;
  };
  return { counts, errors, closedLoop, openLoop, takeAnswerMs };
}

// ───────────────────────────── the run ─────────────────────────────

async function soak({ minutes, rate: fixedRate, workers }) {
  const seconds = Math.round(minutes * 60);
  const sink = await startSink(cleanups);
  const env = process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {};
  const deployment = await startProduction(cleanups, log, { prefix: 'soak', workers, sinkUrl: sink.url, env });
  const { baseUrl, flows, processes, channel, db } = deployment;
  const { stepsQueue, ingestQueue } = deployment.names;

  const client = triggerClient(baseUrl, flows.producerId);
  const finished = deployment.completed;
  const drained = (description) => waitFor(description, async () => (await finished()) >= client.counts.accepted, DRAIN_TIMEOUT_MS);
  const exitedEarly = () => processes.find((proc) => proc.child.exitCode !== null || proc.child.signalCode !== null);

  try {
    log(`production, ${workers} worker${workers === 1 ? '' : 's'}: warm-up, ${WARMUP} events`);
    await client.closedLoop(Math.min(CAPACITY_IN_FLIGHT, WARMUP), { count: WARMUP });
    await drained('warm-up completions');

    let capacity = null;
    if (fixedRate === undefined) {
      log(`capacity: ${CAPACITY_IN_FLIGHT} triggers in flight for ${CAPACITY_SECONDS} s`);
      const measuring = client.closedLoop(CAPACITY_IN_FLIGHT, { seconds: CAPACITY_SECONDS });
      await sleep(CAPACITY_RAMP_SECONDS * 1000);
      const atRampEnd = { finished: await finished(), at: performance.now() };
      await sleep((CAPACITY_SECONDS - CAPACITY_RAMP_SECONDS) * 1000);
      const atEnd = { finished: await finished(), at: performance.now() };
      await measuring;
      capacity = (atEnd.finished - atRampEnd.finished) / ((atEnd.at - atRampEnd.at) / 1000);
      log(`  ${Math.round(capacity)} events/s finished; draining the backlog`);
      await drained('the capacity run to finish');
    }
    const rate = fixedRate ?? Math.max(1, Math.round(capacity / 2));
    log(`soak: ${rate} triggers/s for ${minutes} min${capacity === null ? '' : ` (half of ${Math.round(capacity)}/s)`}, a sample every ${SAMPLE_SECONDS} s`);

    const nextFinishes = finishTracker(db, flows.consumerId);
    await nextFinishes();
    const start = { accepted: client.counts.accepted, finished: await finished(), refused: client.counts.refused, failed: client.counts.failed };
    client.takeAnswerMs();
    const latencies = [];
    const samples = [];
    const t0 = performance.now();
    const sample = async (phase) => {
      const [steps, ingest, outbox, done, fresh] = await Promise.all([
        channel.checkQueue(stepsQueue), channel.checkQueue(ingestQueue), db.query('SELECT count(*) AS n FROM outbox'), finished(), nextFinishes(),
      ]);
      for (const latency of fresh) latencies.push(latency);
      const interval = latencyStats(fresh);
      const answers = latencyStats(client.takeAnswerMs());
      const row = {
        phase,
        s: Math.round((performance.now() - t0) / 1000),
        accepted: client.counts.accepted - start.accepted,
        finished: done - start.finished,
        refused: client.counts.refused - start.refused,
        failed: client.counts.failed - start.failed,
        skipped: client.counts.skipped,
        latencyMs: { p50: interval.p50, p99: interval.p99 },
        triggerAnswerMs: { p50: answers.p50, p99: answers.p99 },
        outbox: Number(outbox.rows[0].n),
        stepsQueued: steps.messageCount,
        ingestQueued: ingest.messageCount,
        rss: Object.fromEntries(processes.map((proc) => [proc.name, rssOf(proc.child.pid)])),
        // The machine's 1-minute load average: anything else running here slows Sluice down too.
        load: Math.round(loadavg()[0] * 10) / 10,
      };
      row.backlog = row.outbox + row.stepsQueued + row.ingestQueued;
      samples.push(row);
      const previous = samples.at(-2);
      log(
        `${String(row.s).padStart(5)} s  accepted ${row.accepted} (+${row.accepted - (previous?.accepted ?? 0)})  finished ${row.finished} (+${row.finished - (previous?.finished ?? 0)})` +
          `  latency p50 ${ms(row.latencyMs.p50)} p99 ${ms(row.latencyMs.p99)} (answer p99 ${ms(row.triggerAnswerMs.p99)})  outbox ${row.outbox} steps ${row.stepsQueued} ingest ${row.ingestQueued}` +
          `  RSS ${processes.map((proc) => `${proc.name} ${mb(row.rss[proc.name])}`).join(', ')}  load ${row.load}` +
          (row.refused + row.failed + row.skipped > 0 ? `  refused ${row.refused} failed ${row.failed} skipped ${row.skipped}` : ''),
      );
      const gone = exitedEarly();
      if (gone) throw new Error(`${gone.name} exited during the soak:\n${gone.output()}`);
    };

    let sampling = Promise.resolve();
    let samplerError;
    const timer = setInterval(() => {
      sampling = sampling.then(() => sample('load')).catch((error) => (samplerError ??= error));
    }, SAMPLE_SECONDS * 1000);
    let scheduled;
    try {
      scheduled = await client.openLoop(rate, seconds, () => samplerError !== undefined);
    } finally {
      clearInterval(timer);
      await sampling;
    }
    if (samplerError) throw samplerError;
    // The last interval's figures, when the load ended between two samples.
    if (samples.length === 0 || performance.now() - t0 - samples.at(-1).s * 1000 > 1500) await sample('load');
    log('load stopped; waiting for every accepted event to finish');
    let drainError = null;
    await drained('every accepted event to finish').catch((error) => (drainError = error));
    await sample('drained');
    const loadSamples = samples.filter((row) => row.phase === 'load');
    return { capacity, rate, seconds, workers, scheduled, start, samples, loadSamples, latencies, drainError, errors: client.errors };
  } catch (error) {
    for (const proc of processes) log(`${proc.name} output:\n${proc.output()}`);
    throw error;
  }
}

// ───────────────────────────── verdict ─────────────────────────────

function verdict(run) {
  const { seconds, rate, loadSamples } = run;
  const last = loadSamples.at(-1);
  const baseAt = seconds / 5;
  const base = loadSamples.find((row) => row.s >= baseAt - 1) ?? last;
  // A tenth of the run (minutes 2–3 and the last minute of 10), and at least one sample interval.
  const window = Math.max(seconds / 10, SAMPLE_SECONDS);
  const early = loadSamples.filter((row) => row.s >= base.s && row.s <= base.s + window + 1);
  const late = loadSamples.filter((row) => row.s >= last.s - window - 1);
  const span = (rows) => `${rows[0]?.s}–${rows.at(-1)?.s} s`;
  const checks = [];

  // RSS saws up and down by a fifth between two collections: each side is the average over its window.
  for (const name of Object.keys(last.rss)) {
    const before = average(early.map((row) => row.rss[name]).filter((rss) => rss !== null));
    const after = average(late.map((row) => row.rss[name]).filter((rss) => rss !== null));
    const growth = before && after ? after / before - 1 : null;
    checks.push({
      name: `RSS ${name}`,
      pass: growth !== null && growth <= RSS_GROWTH_LIMIT,
      detail: `${mb(before)} over ${span(early)} → ${mb(after)} over ${span(late)} (${growth === null ? '?' : `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%`}, limit +${RSS_GROWTH_LIMIT * 100}%);` +
        ` ${mb(base.rss[name])} at ${base.s} s, ${mb(last.rss[name])} at ${last.s} s`,
    });
  }

  const earlyAverage = average(early.map((row) => row.backlog));
  const lateAverage = average(late.map((row) => row.backlog));
  const tolerance = Math.max(50, Math.round(rate));
  checks.push({
    name: 'backlog',
    pass: earlyAverage !== null && lateAverage !== null && lateAverage <= earlyAverage + tolerance,
    detail: `outbox + steps + ingest averaged ${earlyAverage?.toFixed(1)} over ${span(early)}, ${lateAverage?.toFixed(1)} over ${span(late)} (tolerance +${tolerance})`,
  });

  // Every trigger has its answer once the load stops.
  const drained = run.samples.at(-1);
  const { accepted } = drained;
  checks.push({
    name: 'rate',
    pass: accepted >= 0.95 * run.scheduled && drained.failed === 0,
    detail: `${accepted} of ${run.scheduled} scheduled triggers accepted (${(accepted / seconds).toFixed(1)}/s of ${rate}/s), ${drained.refused} refused (503 overloaded), ${drained.skipped} skipped (${MAX_IN_FLIGHT} in flight), ${drained.failed} failed${run.errors.length ? `: ${run.errors.join('; ')}` : ''}`,
  });
  checks.push({
    name: 'drain',
    pass: run.drainError === null && drained.finished >= drained.accepted,
    detail: `${drained.finished} of ${drained.accepted} accepted events finished ${drained.s - last.s} s after the load stopped`,
  });
  return { baseAt: base.s, checks, pass: checks.every((check) => check.pass) };
}

function report(run, result) {
  const total = latencyStats(run.latencies);
  const lines = [''];
  lines.push(`Sluice soak — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, production, ${run.workers} workers, ${run.rate} triggers/s for ${run.seconds / 60} min` +
    (run.capacity === null ? ' (--rate)' : ` (capacity ${Math.round(run.capacity)}/s)`));
  lines.push(`latency, producer run start → consumer run end, ${total.count} events: p50 ${ms(total.p50)}, p95 ${ms(total.p95)}, p99 ${ms(total.p99)}, max ${ms(total.max)}`);
  lines.push('');
  for (const check of result.checks) lines.push(`  ${check.pass ? 'pass' : 'FAIL'}  ${check.name.padEnd(16)} ${check.detail}`);
  lines.push('');
  lines.push(result.pass ? 'PASS' : 'FAIL');
  lines.push('');
  return lines.join('\n');
}

async function main() {
  const opts = options();
  const at = new Date().toISOString();
  const run = await soak(opts);
  await runCleanups(cleanups, log);
  const result = verdict(run);
  process.stdout.write(report(run, result));
  const dir = join(ROOT, 'bench-results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `soak-${at.replace(/[:.]/g, '-')}.json`);
  const { latencies, loadSamples, ...kept } = run;
  const total = latencyStats(latencies);
  await writeFile(file, `${JSON.stringify({ at, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, options: opts, ...kept, drainError: run.drainError?.message ?? null, latencyMs: { p50: total.p50, p95: total.p95, p99: total.p99, max: total.max }, verdict: result }, null, 2)}\n`);
  process.stdout.write(`results: ${file}\n`);
  process.exitCode = result.pass ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void runCleanups(cleanups, log).finally(() => process.exit(130));
  });
}

main().catch(async (error) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await runCleanups(cleanups, log);
  process.exit(2);
});
