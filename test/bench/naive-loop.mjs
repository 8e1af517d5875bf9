// The naive durable step loop: the yardstick Sluice's step rate is compared
// with (raw.pipelineStepsPerSec of `npm run bench`). The simplest program
// that runs steps durably over the same PostgreSQL and RabbitMQ, with no
// engine at all:
//
//   one consumer process (this file, forked with `consumer`), prefetch 50, a
//   pg pool of 10, a durable classic queue and persistent messages of about
//   1 KiB. Each message: BEGIN; insert an event row with a jsonb payload of
//   about 500 B; upsert the run's state row; COMMIT; then publish the run's
//   next step on a confirm channel, wait for its confirm, and ack.
//
// 50 runs step in a closed loop, so 50 messages are always in flight. Steps/s
// are counted over a fixed window after a warm-up, with the CPU the consumer,
// PostgreSQL (this database's backends and the server's shared background
// processes) and RabbitMQ used meanwhile. The database and queue are its own,
// removed afterwards.
//
//   import { naiveLoop } from './naive-loop.mjs'   — from bench.mjs
//   node test/bench/naive-loop.mjs [warmupSeconds] [seconds]   — on its own, prints the result as JSON
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';
import {
  AMQP_URL, cleanupScope, cpuMeter, createDatabase, deleteQueuesAndExchanges, hex, round, runCleanups, sleep, startIpcProcess, track,
} from './support.mjs';

const PREFETCH = 50;
const POOL_SIZE = 10;
const RUNS_IN_FLIGHT = 50;
const MESSAGE_BYTES = 1024;
const PAYLOAD_BYTES = 500;

/** A JSON body of about `bytes` bytes: `fields` and padding. */
function padded(fields, bytes) {
  const bare = JSON.stringify({ ...fields, pad: '' });
  return JSON.stringify({ ...fields, pad: 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(bare))) });
}

const stepMessage = (runId, step) => Buffer.from(padded({ kind: 'step', runId, step, nodeId: `node-${step % 7}` }, MESSAGE_BYTES));
const eventPayload = (runId, step) =>
  padded({ type: 'StepSucceeded', runId, nodeId: `node-${step % 7}`, attempt: 1, output: { status: 200, body: { ok: true } }, durationMs: 3 }, PAYLOAD_BYTES);

const SCHEMA = [
  `CREATE TABLE events (run_id uuid NOT NULL, seq integer NOT NULL, type text NOT NULL, at timestamptz NOT NULL DEFAULT now(),
                        payload jsonb NOT NULL, PRIMARY KEY (run_id, seq))`,
  `CREATE TABLE run_state (run_id uuid PRIMARY KEY, step integer NOT NULL, state jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
];

// ───────────────────────────── the consumer process ─────────────────────────────

async function consumer(connectionString, queue) {
  const pool = new pg.Pool({ connectionString, max: POOL_SIZE });
  const connection = await amqp.connect(AMQP_URL);
  const consuming = await connection.createChannel();
  await consuming.prefetch(PREFETCH);
  const publishing = await connection.createConfirmChannel();
  let steps = 0;
  let failures = 0;

  const step = async (msg) => {
    const { runId, step: seq } = JSON.parse(msg.content.toString('utf8'));
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO events (run_id, seq, type, payload) VALUES ($1, $2, $3, $4)', [runId, seq, 'StepSucceeded', eventPayload(runId, seq)]);
      await client.query(
        `INSERT INTO run_state (run_id, step, state) VALUES ($1, $2, $3)
         ON CONFLICT (run_id) DO UPDATE SET step = EXCLUDED.step, state = EXCLUDED.state, updated_at = now()`,
        [runId, seq, JSON.stringify({ status: 'running', step: seq })],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    await new Promise((resolve, reject) => {
      publishing.sendToQueue(queue, stepMessage(runId, seq + 1), { persistent: true, contentType: 'application/json' }, (error) => (error ? reject(error) : resolve()));
    });
    consuming.ack(msg);
    steps += 1;
  };

  await consuming.consume(queue, (msg) => {
    if (!msg) return;
    step(msg).catch(() => {
      failures += 1;
      consuming.nack(msg);
    });
  }, { noAck: false });

  process.on('message', (command) => {
    if (command.kind === 'count') process.send({ kind: 'done', steps, failures });
  });
  const exit = () => {
    void connection.close().catch(() => undefined).finally(() => pool.end().finally(() => process.exit(0)));
  };
  process.once('SIGTERM', exit);
  // The parent is gone (killed without its cleanup): stop looping.
  process.once('disconnect', exit);
  process.send({ kind: 'ready' });
}

// ───────────────────────────── the measurement ─────────────────────────────

/**
 * Runs the loop: `warmupSeconds`, then counts steps for `seconds`. Returns
 * steps/s, how many steps the window saw, and the CPU per step by process.
 */
export async function naiveLoop({ cleanups: parent, log, warmupSeconds, seconds }) {
  const scope = cleanupScope(parent, log);
  const { cleanups } = scope;
  try {
    const database = await createDatabase(cleanups, 'bench_naive');
    const queue = `bench-naive-${hex()}`;
    track('queue', queue);
    cleanups.unshift(() => deleteQueuesAndExchanges([queue]));

    const setup = new pg.Client({ connectionString: database.url });
    await setup.connect();
    for (const statement of SCHEMA) await setup.query(statement);
    await setup.end();

    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
      for (let run = 0; run < RUNS_IN_FLIGHT; run += 1) channel.sendToQueue(queue, stepMessage(randomUUID(), 1), { persistent: true, contentType: 'application/json' });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }

    const proc = await startIpcProcess(cleanups, 'naive-loop', 'naive-loop.mjs', ['consumer', database.url, queue]);
    await sleep(warmupSeconds * 1000);
    const cpu = await cpuMeter({ consumer: [proc.child.pid] }, { database: database.name });
    const from = await proc.request({ kind: 'count' });
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const to = await proc.request({ kind: 'count' });
    const windowMs = performance.now() - t0;
    const used = await cpu();
    await proc.stop();

    const steps = to.steps - from.steps;
    if (steps <= 0) throw new Error(`the naive loop made no steps in ${seconds} s:\n${proc.output()}`);
    const perStep = (ms) => round(ms / steps, 3);
    return {
      stepsPerSec: Math.round(steps / (windowMs / 1000)),
      steps,
      windowSeconds: round(windowMs / 1000, 2),
      warmupSeconds,
      failures: to.failures,
      cpuMsPerStep: {
        consumer: perStep(used.consumer),
        postgres: perStep(used.postgres),
        rabbitmq: perStep(used.rabbitmq),
        total: perStep(used.consumer + used.postgres + used.rabbitmq),
      },
      coresBusy: round((used.consumer + used.postgres + used.rabbitmq) / windowMs, 2),
      machineCoresBusy: round(used.machine / windowMs, 2),
      // What else kept the cores busy meanwhile (other work on the machine, the harness included): a noisy window shows here.
      otherCoresBusy: round(Math.max(0, used.machine - used.consumer - used.postgres - used.rabbitmq) / windowMs, 2),
      shape: { prefetch: PREFETCH, poolSize: POOL_SIZE, runsInFlight: RUNS_IN_FLIGHT, messageBytes: MESSAGE_BYTES, payloadBytes: PAYLOAD_BYTES },
    };
  } finally {
    await scope.close();
  }
}

// ───────────────────────────── entry points ─────────────────────────────

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'consumer') {
    await consumer(process.argv[3], process.argv[4]);
  } else {
    const cleanups = [];
    const log = (message) => process.stdout.write(`[naive-loop] ${message}\n`);
    try {
      const result = await naiveLoop({ cleanups, log, warmupSeconds: Number(process.argv[2] ?? 5), seconds: Number(process.argv[3] ?? 20) });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await runCleanups(cleanups, log);
    }
  }
}
