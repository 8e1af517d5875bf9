// What test/bench/bench.mjs and test/bench/soak.mjs share: a throw-away
// database and RabbitMQ namespace, the API and worker processes over the
// built dist, the loopback sink, and the standard flows.
//
//   producer: trigger → filter (event.amount > 100) → transform → publish bench.orders
//   consumer: subscribe bench.orders → http POST to a local sink → end
//
// Whatever a helper creates it undoes through `cleanups`, an array of
// functions run newest first by runCleanups (on success, failure and Ctrl-C).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const TOPIC = 'bench.orders';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const hex = () => randomBytes(5).toString('hex');

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

/** A fresh database `<prefix>_<random>`, dropped at cleanup. */
export async function createDatabase(cleanups, prefix) {
  const name = `${prefix}_${hex()}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  cleanups.unshift(() => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  return { name, url: `postgres://${PG.user}@${PG.host}:${PG.port}/${name}` };
}

// ───────────────────────────── RabbitMQ ─────────────────────────────

/** Names the RabbitMQ adapter declares under a namespace (libs/broker/src/rabbitmq-topology.ts rabbitMqNames): steps, ingest, events, notices. */
export function rabbitNames(namespace) {
  return ['sluice.steps', 'sluice.ingest', 'sluice.events', 'sluice.notices'].map((base) => `${namespace}.${base}`);
}

export async function deleteNamespace(namespace) {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const [steps, ingest, events, notices] = rabbitNames(namespace);
    await channel.deleteQueue(steps);
    await channel.deleteQueue(ingest);
    await channel.deleteExchange(events);
    await channel.deleteExchange(notices);
    await channel.close();
  } finally {
    await connection.close();
  }
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
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timeout = sleep(15000).then(() => 'timeout');
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  cleanups.unshift(stop);
  return { name, child, stop, exited, output: () => output };
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

/** A local HTTP sink for the consumer's http node: answers 200 at once and counts. */
export async function startSink(cleanups) {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.unshift(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${server.address().port}/sink`, count: () => requests };
}

const node = (id, type, data = {}, x = 0) => ({ id, type, position: { x, y: 0 }, data });
const edge = (source, target, sourceHandle = null) => ({ id: `${source}-${sourceHandle ?? 'out'}-${target}`, source, target, sourceHandle });

export function producerGraph() {
  return {
    nodes: [
      node('trigger', 'trigger', {}, 0),
      node('significant', 'filter', { condition: 'event.amount > 100' }, 200),
      node('shape', 'transform', { expression: '{ "orderId": event.orderId, "amount": event.amount, "tier": event.amount > 1000 ? "gold" : "standard" }' }, 400),
      node('publish', 'publish', { topic: TOPIC }, 600),
      node('ignore', 'ignore', { reason: 'small' }, 400),
    ],
    edges: [edge('trigger', 'significant'), edge('significant', 'shape', 'yes'), edge('significant', 'ignore', 'no'), edge('shape', 'publish')],
  };
}

export function consumerGraph(sinkUrl) {
  return {
    nodes: [
      node('consume', 'subscribe', { topic: TOPIC }, 0),
      node('process', 'http', { url: sinkUrl, method: 'POST', body: 'event', timeoutMs: 5000, retry: { maxAttempts: 5, initialIntervalMs: 200, backoffCoefficient: 2, maxIntervalMs: 2000, jitter: 0 } }, 200),
      node('done', 'end', {}, 400),
    ],
    edges: [edge('consume', 'process'), edge('process', 'done')],
  };
}

/** The trigger body of event `i`: always past the filter, so every event reaches the consumer. */
export function orderEvent(i) {
  return { orderId: `O-${i}`, amount: 150 + (i % 2000), customer: { id: `C-${i % 97}`, tier: 'retail' }, items: [{ sku: 'A', qty: 1 }] };
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
