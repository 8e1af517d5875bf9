/**
 * Embedded PostgreSQL: PGlite (Postgres compiled to WASM) with its data in a
 * directory, served over the Postgres wire protocol on a loopback port by
 * pglite-socket's connection handler, so `pg` and TypeORM talk to it exactly
 * as they talk to a server. PGlite and the socket server live in a worker thread (see
 * pglite-worker.source.ts). The socket asks for the data directory's password
 * (SCRAM-SHA-256), so other local users cannot go around Sluice's API keys;
 * the directory itself is kept private to its owner (0700).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@sluice/runtime';
import { PASSWORD_FILE, readOrCreatePassword } from './embedded-password';
import { PGLITE_WORKER_SOURCE } from './pglite-worker.source';

/** A running embedded database. */
export interface EmbeddedPostgres {
  /**
   * `postgres://postgres:<password>@127.0.0.1:<port>/postgres`; pass it to
   * `createStore`. It holds the password: never log it.
   */
  url: string;
  /** The file that holds the password (mode 0600), for a psql session by the directory's owner. */
  passwordFile: string;
  /**
   * What the start cost, for whoever wants to log it. `initialised`: this
   * start created the data directory (initdb); `startMs`: wall time in ms.
   */
  timings: { initialised: boolean; startMs: number };
  /** Closes the socket server, then PGlite (flushing its data directory), then the worker. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Client connections the socket server accepts. PGlite is a single Postgres
 * session behind a query queue, so pools should stay ≤ 4; the headroom is for
 * short-lived extra clients (migrations, tests, a psql session).
 */
const MAX_CONNECTIONS = 16;

/** Mode of the data directory: its owner only, as PostgreSQL requires of its own. */
const OWNER_ONLY_DIRECTORY = 0o700;

/** How long a stopped worker may take to exit before it is terminated, in ms. */
const EXIT_GRACE_MS = 5_000;

type WorkerReply = { type: 'ready'; port: number } | { type: 'stopped' } | { type: 'error'; message: string };

function waitForReply(worker: Worker, wanted: WorkerReply['type']): Promise<WorkerReply> {
  return new Promise((resolvePromise, reject) => {
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: WorkerReply): void => {
      if (reply.type !== wanted && reply.type !== 'error') return;
      cleanup();
      if (reply.type === 'error') reject(new Error(`embedded PostgreSQL: ${reply.message}`));
      else resolvePromise(reply);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`embedded PostgreSQL worker exited with code ${code} before '${wanted}'`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/**
 * Starts PGlite with its data in `dataDir` (created and initialised on the
 * first start, about 10 s; later starts about 1.5 s) and serves it on
 * 127.0.0.1 at a free port, behind the password in `dataDir`'s
 * {@link PASSWORD_FILE} (generated on the first start). `options.logger`
 * hears of a database that stops without being asked to.
 */
export async function startEmbeddedPostgres(dataDir: string, options: { logger?: Logger } = {}): Promise<EmbeddedPostgres> {
  const began = performance.now();
  const directory = resolve(dataDir);
  const initialised = !existsSync(join(directory, 'PG_VERSION'));
  await mkdir(directory, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  // PGlite writes its files world-readable (0666); the directory is what keeps other users out.
  await chmod(directory, OWNER_ONLY_DIRECTORY);
  const password = await readOrCreatePassword(directory);
  const worker = new Worker(PGLITE_WORKER_SOURCE, {
    eval: true,
    workerData: {
      dataDir: directory,
      pglitePath: require.resolve('@electric-sql/pglite'),
      socketPath: require.resolve('@electric-sql/pglite-socket'),
      maxConnections: MAX_CONNECTIONS,
      password,
    },
  });
  const exited = new Promise<void>((resolveExit) => worker.once('exit', () => resolveExit()));
  let reply: WorkerReply;
  try {
    reply = await waitForReply(worker, 'ready');
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  if (reply.type !== 'ready') throw new Error('embedded PostgreSQL did not report ready');

  let stopping: Promise<void> | undefined;
  // A listener, so a failing worker is logged instead of throwing an unhandled 'error' event.
  worker.on('error', (error) => options.logger?.error({ err: error }, 'embedded PostgreSQL failed'));
  worker.once('exit', (code) => {
    if (!stopping) options.logger?.error({ code }, 'embedded PostgreSQL stopped unexpectedly');
  });
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${reply.port}/postgres`,
    passwordFile: join(directory, PASSWORD_FILE),
    timings: { initialised, startMs: Math.round(performance.now() - began) },
    stop: () => {
      stopping ??= (async () => {
        const stopped = waitForReply(worker, 'stopped');
        worker.postMessage({ type: 'stop' });
        try {
          await stopped;
        } finally {
          // The worker ends by itself once PGlite is closed; never let a stuck one keep the process alive.
          const timer = setTimeout(() => void worker.terminate(), EXIT_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}
