import { appendFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadSettings } from '@sluice/config';
import { createLogger, openPlatform, type Platform } from '@sluice/platform';
import { Client } from 'pg';
import { createApiApp } from '../../apps/api/src/app';
import { ApiClient } from './api-client';
import { createTestDatabase, type TestDatabase } from './databases';
import { edge, graph, node } from './graphs';
import type { TcpProxy } from './tcp-proxy';
import type { TargetServer } from './target-server';
import { startTestBroker, type TestBroker } from './test-broker';

/** One structured log line, as pino wrote it, with the process it came from. */
export interface LogLine {
  level: number;
  service: string;
  component?: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * How Sluice is deployed for a fault test:
 * - `server`: one process, PostgreSQL server and the in-process broker, the
 *   worker inside the API (`npm start` with DATABASE_URL);
 * - `rabbitmq`, `sqs`: production, an API and `workers` worker processes over
 *   the PostgreSQL server and RabbitMQ, or SQS and SNS on an emulator of the
 *   deployment's own.
 * Each "process" is a platform of its own in this test process, with its own
 * connections, so a fault reaches each as it would reach a real process.
 */
export type OutageMode = 'server' | 'rabbitmq' | 'sqs';

export interface DeploymentOptions {
  mode: OutageMode;
  /** Worker processes beside the API (rabbitmq and sqs only); default 1. */
  workers?: number;
  /** Every Sluice connection to PostgreSQL goes through this proxy. */
  storeProxy?: TcpProxy;
  /**
   * Every Sluice connection to the broker (RabbitMQ, or the deployment's own
   * SQS emulator) goes through a loopback proxy, `Deployment.brokerProxy`,
   * started once the broker is, so that it can front an emulator's port.
   */
  proxyBroker?: boolean;
  /** More settings for every process. */
  env?: Record<string, string>;
}

export interface Deployment {
  api: ApiClient;
  /** The API's platform, then each worker's. */
  platforms: Platform[];
  /** Every log line of every process, in order (LOG_LEVEL info). */
  logs: LogLine[];
  /** The test database's name (to pick its connections in pg_stat_activity). */
  databaseName: string;
  /** With `proxyBroker`, the proxy every Sluice connection to the broker goes through; stopped by `close()`. */
  brokerProxy: TcpProxy | undefined;
  /** SQL straight against the test database, never through a proxy. */
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Opens the API (and workers) of `options.mode` over a fresh database and, with a broker, a namespace of its own. */
export async function startDeployment(options: DeploymentOptions): Promise<Deployment> {
  const database: TestDatabase = await createTestDatabase('server');
  const databaseName = new URL(database.url).pathname.slice(1);
  let broker: TestBroker | undefined;
  let brokerProxy: TcpProxy | undefined;
  const logs: LogLine[] = [];
  const platforms: Platform[] = [];
  const client = new Client({ connectionString: database.url });
  let app: NestExpressApplication | undefined;
  const closeAll = async (): Promise<void> => {
    // Open, so that closing processes settle what they hold rather than wait out a fault.
    brokerProxy?.restore();
    await app?.close().catch(() => undefined);
    // Workers first, so the API's relay is the last to hand messages over.
    for (const platform of [...platforms].reverse()) await platform.close().catch(() => undefined);
    await client.end().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await brokerProxy?.stop().catch(() => undefined);
    await broker?.remove().catch(() => undefined);
  };
  try {
    if (options.proxyBroker && options.mode === 'server') throw new Error('proxyBroker needs a broker of its own: mode rabbitmq or sqs');
    if (options.mode !== 'server') broker = await startTestBroker(options.mode);
    if (broker && options.proxyBroker) brokerProxy = await broker.proxy().start();
    const brokerEnv = broker && brokerProxy ? broker.envThrough(brokerProxy) : broker?.env;
    const env = {
      DATABASE_URL: options.storeProxy ? options.storeProxy.url(database.url) : database.url,
      ...brokerEnv,
      SLUICE_HTTP_ALLOW_PRIVATE: 'true',
      SLUICE_SEED_SAMPLES: 'false',
      DATABASE_POOL_SIZE: '8',
      LOG_LEVEL: 'info',
      PORT: '0',
      ...options.env,
    };
    const settings = loadSettings(env);
    const open = async (service: string, worker: boolean): Promise<Platform> => {
      const logger = createLogger(settings, {
        service,
        destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
      });
      const platform = await openPlatform(settings, logger, { worker });
      platforms.push(platform);
      return platform;
    };
    const apiPlatform = await open('sluice-api', options.mode === 'server');
    const workers = options.mode === 'server' ? 0 : options.workers ?? 1;
    for (let index = 1; index <= workers; index += 1) await open(`sluice-worker-${index}`, true);
    app = await createApiApp(apiPlatform, createLogger(settings, {
      service: 'sluice-api',
      destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
    }));
    await app.listen(0, '127.0.0.1');
    await client.connect();
  } catch (error) {
    await closeAll();
    throw error;
  }
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    api: new ApiClient(`http://127.0.0.1:${port}`),
    platforms,
    logs,
    databaseName,
    brokerProxy,
    async sql(text, values) {
      return (await client.query(text, values)).rows;
    },
    close: closeAll,
  };
}

/** trigger → http POST `<target>/a` → http POST `<target>/b` → end; both calls send the event and retry fast. */
export function twoCallFlow(target: TargetServer) {
  const retry = { maxAttempts: 5, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1000, jitter: 0 };
  return graph(
    [
      node('start', 'trigger'),
      node('a', 'http', { url: `${target.url}/a`, method: 'POST', timeoutMs: 5000, body: 'event', retry }),
      node('b', 'http', { url: `${target.url}/b`, method: 'POST', timeoutMs: 5000, body: 'event', retry }),
      node('done', 'end'),
    ],
    [edge('start', 'a'), edge('a', 'b'), edge('b', 'done')],
  );
}

/** Polls until `probe` holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 50): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return Date.now() - started;
}

export const TERMINAL_EVENTS = ['RunSucceeded', 'RunFailed', 'RunIgnored'];

/** Per run: its status, how many terminal events and how many StepSucceeded per node its history holds. */
export interface RunAudit {
  runId: string;
  status: string;
  terminal: number;
  succeeded: Record<string, number>;
}

/** Reads the runs and their histories straight from the store. */
export async function auditRuns(deployment: Pick<Deployment, 'sql'>, runIds: readonly string[]): Promise<RunAudit[]> {
  const runs = await deployment.sql<{ id: string; status: string }>('SELECT id::text, status FROM runs WHERE id = ANY($1::uuid[])', [runIds]);
  const events = await deployment.sql<{ run_id: string; type: string; node_id: string | null; n: number }>(
    `SELECT run_id::text, type, node_id, count(*)::int AS n FROM history_events
     WHERE run_id = ANY($1::uuid[]) AND (type = ANY($2::text[]) OR type = 'StepSucceeded')
     GROUP BY run_id, type, node_id`,
    [runIds, TERMINAL_EVENTS],
  );
  const audits = new Map(runs.map((run) => [run.id, { runId: run.id, status: run.status, terminal: 0, succeeded: {} } as RunAudit]));
  for (const row of events) {
    const audit = audits.get(row.run_id);
    if (!audit) continue;
    if (row.type === 'StepSucceeded' && row.node_id) audit.succeeded[row.node_id] = (audit.succeeded[row.node_id] ?? 0) + row.n;
    else audit.terminal += row.n;
  }
  return runIds.map((runId) => audits.get(runId) ?? { runId, status: 'missing', terminal: 0, succeeded: {} });
}

/** Waits until every run has reached an end state in the store; returns how long that took. */
export function allFinished(deployment: Pick<Deployment, 'sql'>, runIds: readonly string[], timeoutMs: number): Promise<number> {
  return until(`all ${runIds.length} runs finishing`, async () => {
    const [row] = await deployment.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM runs WHERE id = ANY($1::uuid[]) AND status IN ('succeeded', 'failed', 'ignored')",
      [runIds],
    );
    return row?.n === runIds.length;
  }, timeoutMs, 200);
}

/** What the sink saw of the events `ns` on `paths`: calls in all, effects never made, and calls made more than once. */
export interface EffectCount {
  calls: number;
  /** `path#n` of effects the sink never received. */
  missing: string[];
  /** Calls beyond the first, per effect, summed. */
  repeats: number;
}

/** Counts the sink's calls per `path` and event `n` (the payload's). */
export function countEffects(target: TargetServer, ns: readonly number[], paths: readonly string[]): EffectCount {
  const calls = new Map<string, number>();
  for (const request of target.requests) {
    const n = (request.body as { n?: unknown } | undefined)?.n;
    const key = `${request.path}#${String(n)}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  }
  const wanted = ns.flatMap((n) => paths.map((path) => `${path}#${n}`));
  return {
    calls: wanted.reduce((sum, key) => sum + (calls.get(key) ?? 0), 0),
    missing: wanted.filter((key) => !calls.has(key)),
    repeats: wanted.reduce((sum, key) => sum + Math.max(0, (calls.get(key) ?? 0) - 1), 0),
  };
}

/** One trigger's answer. */
export interface Answer {
  n: number;
  status: number;
  runId?: string;
  code?: string;
  retryAfter?: string | null;
  at: number;
}

/**
 * Triggers `total` events on `flowId` from `concurrency` clients at once,
 * each event's payload `{ n }` numbered from `first`, and records every answer.
 * `done` resolves when all are answered; a request that fails without an
 * answer is recorded with status 0.
 */
export class Load {
  readonly answers: Answer[] = [];
  readonly done: Promise<void>;
  private next: number;

  constructor(
    private readonly api: ApiClient,
    private readonly flowId: string,
    total: number,
    concurrency: number,
    first = 0,
  ) {
    this.next = first;
    const end = first + total;
    const client = async (): Promise<void> => {
      while (this.next < end) {
        const n = this.next;
        this.next += 1;
        this.answers.push(await this.fire(n));
      }
    };
    this.done = Promise.all(Array.from({ length: concurrency }, client)).then(() => undefined);
  }

  /** Run ids of the events answered 202. */
  get accepted(): string[] {
    return this.answers.flatMap((answer) => (answer.status === 202 && answer.runId ? [answer.runId] : []));
  }

  /** The `n` of the events answered 202. */
  get acceptedNs(): number[] {
    return this.answers.filter((answer) => answer.status === 202).map((answer) => answer.n);
  }

  private async fire(n: number): Promise<Answer> {
    try {
      const response = await this.api.request<{ runId?: string; error?: { code: string } }>('POST', `/api/flows/${this.flowId}/events`, { n });
      return {
        n, status: response.status, runId: response.body?.runId, code: response.body?.error?.code,
        retryAfter: response.headers.get('retry-after'), at: Date.now(),
      };
    } catch {
      return { n, status: 0, at: Date.now() };
    }
  }
}

/** Appends one JSON line to the file SLUICE_FAULT_REPORT names, when set: the figures of a fault run. */
export function reportFault(figures: Record<string, unknown>): void {
  const file = process.env.SLUICE_FAULT_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(figures)}\n`);
}
