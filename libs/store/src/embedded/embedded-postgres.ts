/**
 * Embedded PostgreSQL: PGlite (Postgres compiled to WASM) with its data in a
 * directory, served over the Postgres wire protocol on a loopback port so
 * `pg` and TypeORM talk to it exactly as they talk to a server.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded database. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; pass it to `createStore`. */
  url: string;
  /** What the start cost, in ms, for whoever wants to log it. */
  timings: { initialised: boolean; startMs: number };
  /** Closes the socket server, then PGlite (which flushes its data directory). Idempotent. */
  stop(): Promise<void>;
}

/**
 * The socket server accepts this many client connections. PGlite is a single
 * Postgres session behind a query queue, so the pool should stay ≤ 4; the
 * headroom is for a second short-lived client such as a test helper.
 */
const MAX_CONNECTIONS = 16;

/**
 * Starts PGlite with its data in `dataDir` (created and initialised on the first
 * start, about 10 s; later starts about 1.5 s) and serves it on 127.0.0.1 at a
 * free port.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const began = performance.now();
  const initialised = !existsSync(join(dataDir, 'PG_VERSION'));
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    timings: { initialised, startMs: Math.round(performance.now() - began) },
    stop: () => {
      stopping ??= (async () => {
        await server.stop();
        if (!db.closed) await db.close();
      })();
      return stopping;
    },
  };
}
