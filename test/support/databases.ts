import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startEmbeddedPostgres } from '@sluice/store';
import { Client } from 'pg';

/** Both store backends; run behavioural suites with `describe.each(STORE_KINDS)`. */
export const STORE_KINDS = ['server', 'pglite'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface TestDatabase {
  /** `postgres://…` on loopback. */
  url: string;
  /** Removes the database (server) or stops PGlite and deletes its data directory. Idempotent. */
  drop(): Promise<void>;
}

/** The PostgreSQL server the integration suites use: loopback, trust auth. Never anything else. */
const SERVER = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...SERVER, database: 'postgres', connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    // Fail loudly: a missing server must not turn into skipped tests.
    throw new Error(`PostgreSQL server at ${SERVER.host}:${SERVER.port} is unreachable: ${String(error)}`);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createServerDatabase(): Promise<TestDatabase> {
  const name = `sluice_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  let dropped: Promise<void> | undefined;
  return {
    url: `postgres://${SERVER.user}@${SERVER.host}:${SERVER.port}/${name}`,
    drop: () => {
      dropped ??= withAdminClient(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
      return dropped;
    },
  };
}

/**
 * An initialised, empty PGlite data directory shared by all test processes
 * (keyed by the PGlite version), so each fresh database is a copy that starts
 * in about a second instead of running initdb (about 10 s).
 */
let template: Promise<string> | undefined;

function pgliteVersion(): string {
  const entry = require.resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

async function buildTemplate(): Promise<string> {
  const target = join(tmpdir(), `sluice-pglite-template-${pgliteVersion()}`);
  const ready = join(target, 'SLUICE_TEMPLATE_READY');
  if (existsSync(ready)) return target;
  const building = await mkdtemp(join(tmpdir(), 'sluice-pglite-template-build-'));
  try {
    const embedded = await startEmbeddedPostgres(building);
    await embedded.stop();
    await writeFile(join(building, 'SLUICE_TEMPLATE_READY'), '');
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  try {
    await rename(building, target);
  } catch (error) {
    // Another test process won the race; use its template.
    await rm(building, { recursive: true, force: true });
    if (!existsSync(ready)) throw error;
  }
  return target;
}

/** The initialised, empty PGlite data directory to copy (read only): `npm start` on a copy as its DATA_DIR starts without initdb. */
export function pgliteTemplate(): Promise<string> {
  template ??= buildTemplate();
  return template;
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  const source = await pgliteTemplate();
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pglite-'));
  try {
    await cp(source, dataDir, { recursive: true });
    const embedded = await startEmbeddedPostgres(dataDir);
    let dropped: Promise<void> | undefined;
    return {
      url: embedded.url,
      drop: () => {
        dropped ??= (async () => {
          await embedded.stop();
          await rm(dataDir, { recursive: true, force: true });
        })();
        return dropped;
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A fresh, empty database of the given kind. */
export function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  switch (kind) {
    case 'server':
      return createServerDatabase();
    case 'pglite':
      return createPgliteDatabase();
  }
}
