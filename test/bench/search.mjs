// `npm run bench:search`: how fast a search key lookup answers among many
// runs (docs/rest-api.md#searching-runs). The target is under 50 ms for one
// key among 1,000,000 runs of one flow on PostgreSQL.
//
// What it does:
//   1. creates a database of its own (dropped at the end, even on failure or
//      Ctrl-C) and starts the built API over it (`apps/api/dist`, PostgreSQL
//      server, in-process broker: one process);
//   2. creates one flow whose trigger declares the search key `orderId`, and
//      triggers a few runs through the API, so the key rows the commit path
//      writes are there too, and checks that a lookup finds them;
//   3. fills BENCH_SEARCH_RUNS runs of that flow (default 1,000,000) in SQL,
//      `INSERT … SELECT … FROM generate_series` in slices, each run with its
//      `run_search_keys` row (orderId `ORD-<n>`, one distinct value per run),
//      then ANALYZEs;
//   4. warms up, then sends BENCH_SEARCH_LOOKUPS lookups (default 200) of
//      random existing values, one at a time, through
//      `GET /api/runs?flowId=…&key.orderId=ORD-<n>`, checks each finds its
//      one run, and times each round trip;
//   5. for comparison, times one payload search (`q`) over the newest runs,
//      which scans up to 5,000 of them;
//   6. prints p50/p99/max in ms and writes them to
//      $BENCH_RESULTS_DIR/search.json (default bench-results/search.json).
//
// It takes a few minutes (mostly the fill) and is never part of `npm test`
// or CI: jest does not match test/bench/, and nothing else runs it.
//
// Environment:
//   BENCH_SEARCH_RUNS     runs to fill (default 1000000)
//   BENCH_SEARCH_LOOKUPS  timed lookups (default 200)
//   BENCH_RESULTS_DIR     where search.json goes (default bench-results)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  api, createDatabase, freePort, intEnv, latencyStats, ROOT, round, runCleanups, startProcess, waitReady,
} from './support.mjs';

const RUNS = intEnv('BENCH_SEARCH_RUNS', 1_000_000);
const LOOKUPS = intEnv('BENCH_SEARCH_LOOKUPS', 200);
const WARMUP = 20;
/** Runs per INSERT statement of the fill. */
const SLICE = 100_000;
const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(ROOT, 'bench-results');

const log = (line = '') => process.stdout.write(`${line}\n`);
const cleanups = [];
let stopping = false;
process.on('SIGINT', () => {
  if (stopping) return;
  stopping = true;
  log('interrupted: cleaning up');
  void runCleanups(cleanups, log).then(() => process.exit(130));
});

/** trigger (declaring `orderId`) → end: every step inline, so triggers need no worker. */
const GRAPH = {
  nodes: [
    { id: 'in', type: 'trigger', position: { x: 0, y: 0 }, data: { searchKeys: [{ name: 'orderId', expression: 'orderId' }] } },
    { id: 'done', type: 'end', position: { x: 300, y: 0 }, data: {} },
  ],
  edges: [{ id: 'e1', source: 'in', target: 'done' }],
};

/**
 * Runs `from` … `to` of the flow, as the store would hold a finished run
 * (state, indexed columns), and their key rows in the same statement. Run n
 * started n ms after 2026-01-01, so the newest has the highest n.
 */
const FILL = `
  WITH src AS MATERIALIZED (
    SELECT g AS n, gen_random_uuid() AS id, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 ms' AS at
    FROM generate_series($2::int, $3::int) AS g
  ), ins AS (
    INSERT INTO runs (id, flow_id, flow_version, event_id, status, state, last_seq, started_at, updated_at, finished_at)
    SELECT s.id, $1::uuid, 1, 'bench-' || s.n, 'succeeded',
           jsonb_build_object(
             'id', s.id, 'flowId', $1::text, 'flowVersion', 1, 'eventId', 'bench-' || s.n, 'status', 'succeeded',
             'payload', jsonb_build_object('orderId', 'ORD-' || s.n, 'amount', s.n % 1000, 'customer', jsonb_build_object('email', 'c' || (s.n % 5000) || '@example.com')),
             'source', 'rest', 'chain', jsonb_build_object('originEventId', 'bench-' || s.n, 'depth', 0),
             'steps', jsonb_build_array(
               jsonb_build_object('nodeId', 'in', 'status', 'succeeded', 'attempts', 1, 'maxAttempts', 5),
               jsonb_build_object('nodeId', 'done', 'status', 'succeeded', 'attempts', 1, 'maxAttempts', 5, 'from', 'in')),
             'startedAt', to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'updatedAt', to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'finishedAt', to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'lastSeq', 9),
           9, s.at, s.at, s.at
    FROM src s
  )
  INSERT INTO run_search_keys (flow_id, name, value, started_at, run_id)
  SELECT $1::uuid, 'orderId', 'ORD-' || s.n, s.at, s.id FROM src s`;

async function main() {
  const started = Date.now();
  const database = await createDatabase(cleanups, 'bench_search');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const apiProcess = startProcess(cleanups, 'api', 'apps/api/dist/main.js', {
    DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', SLUICE_SEED_SAMPLES: 'false', LOG_LEVEL: 'warn',
  });
  await waitReady(baseUrl, apiProcess);
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  cleanups.unshift(() => db.end().catch(() => undefined));

  const flow = await api(baseUrl, 'POST', '/api/flows', { name: 'bench-search', graph: GRAPH });
  const lookup = (value) => api(baseUrl, 'GET', `/api/runs?flowId=${flow.id}&key.orderId=${encodeURIComponent(value)}`);

  // Runs started the ordinary way: their key rows come from the commit that inserts them.
  const triggered = [];
  for (let i = 1; i <= 3; i++) triggered.push((await api(baseUrl, 'POST', `/api/flows/${flow.id}/events`, { orderId: `LIVE-${i}` })).runId);
  for (const [index, runId] of triggered.entries()) {
    const page = await lookup(`LIVE-${index + 1}`);
    if (page.items.length !== 1 || page.items[0].id !== runId) throw new Error(`a lookup of LIVE-${index + 1} did not find run ${runId}: ${JSON.stringify(page)}`);
  }

  log(`filling ${RUNS.toLocaleString('en-US')} runs of one flow, each with its key row, ${SLICE.toLocaleString('en-US')} per statement …`);
  const fillStarted = Date.now();
  for (let from = 1; from <= RUNS; from += SLICE) {
    const to = Math.min(RUNS, from + SLICE - 1);
    await db.query(FILL, [flow.id, from, to]);
    log(`  ${to.toLocaleString('en-US')} runs (${round((Date.now() - fillStarted) / 1000, 1)} s)`);
  }
  await db.query('ANALYZE runs');
  await db.query('ANALYZE run_search_keys');
  const fillSeconds = round((Date.now() - fillStarted) / 1000, 1);
  const sizes = (await db.query(`SELECT pg_size_pretty(pg_total_relation_size('runs')) AS runs, pg_size_pretty(pg_total_relation_size('run_search_keys')) AS keys`)).rows[0];
  const [{ n: runCount }] = (await db.query('SELECT count(*)::int AS n FROM runs WHERE flow_id = $1', [flow.id])).rows;

  const pick = () => 1 + Math.floor(Math.random() * RUNS);
  for (let i = 0; i < WARMUP; i++) await lookup(`ORD-${pick()}`);
  const timings = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const n = pick();
    const at = performance.now();
    const page = await lookup(`ORD-${n}`);
    timings.push(performance.now() - at);
    if (page.items.length !== 1 || page.items[0].payload.orderId !== `ORD-${n}`) throw new Error(`the lookup of ORD-${n} found ${page.items.length} runs`);
  }
  const stats = latencyStats(timings);
  // The statement the store runs for a lookup's page (libs/store/src/repositories/run-search.repository.ts).
  const plan = (await db.query(
    `EXPLAIN (ANALYZE, COSTS OFF, TIMING ON)
     SELECT k.run_id AS id, k.started_at::text AS started_key, octet_length(r.state::text) AS bytes
     FROM run_search_keys k JOIN runs r ON r.id = k.run_id
     WHERE k.flow_id = $1 AND k.name = 'orderId' AND k.value = $2 ORDER BY k.started_at DESC, k.run_id DESC LIMIT 51`,
    [flow.id, `ORD-${pick()}`],
  )).rows.map((row) => row['QUERY PLAN']);

  const qAt = performance.now();
  const scan = await api(baseUrl, 'GET', `/api/runs?flowId=${flow.id}&q=${encodeURIComponent('orderId = "ORD-1"')}`);
  const qMs = performance.now() - qAt;

  const results = {
    at: new Date().toISOString(),
    runs: runCount,
    lookups: LOOKUPS,
    lookupMs: { p50: round(stats.p50, 2), p99: round(stats.p99, 2), max: round(stats.max, 2), mean: round(timings.reduce((a, b) => a + b, 0) / timings.length, 2) },
    targetP50Ms: 50,
    fillSeconds,
    sizes,
    qSearch: { q: 'orderId = "ORD-1"', ms: round(qMs, 1), scanned: scan.scanned, complete: scan.complete },
    plan,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'search.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  log();
  log(`search key lookup among ${runCount.toLocaleString('en-US')} runs of one flow, through the API (${LOOKUPS} lookups of random existing values)`);
  log(`  p50 ${results.lookupMs.p50} ms   p99 ${results.lookupMs.p99} ms   max ${results.lookupMs.max} ms   mean ${results.lookupMs.mean} ms   (target: under 50 ms)`);
  log(`  fill ${fillSeconds} s; runs ${sizes.runs}, run_search_keys ${sizes.keys}`);
  log(`  one q search over the newest runs: ${results.qSearch.ms} ms, ${scan.scanned} runs examined`);
  log('  plan of one lookup:');
  for (const line of plan) log(`    ${line}`);
  log(`results: ${file} (${round((Date.now() - started) / 1000)} s)`);
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  log(`bench:search failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
} finally {
  if (!stopping) await runCleanups(cleanups, log);
}
