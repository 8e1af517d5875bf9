import { loadSettings } from '@sluice/config';
import { createLogger, openPlatform, type Platform } from '@sluice/platform';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/databases';

interface LogLine {
  level: number;
  component?: string;
  msg: string;
}

const WARN = 40;

async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The store writes through the platform's logger: migrations when they run,
 * and a pool connection the server closed, which TypeORM reports as a pool
 * error and the pool replaces. The store keeps answering.
 */
describe('store logging', () => {
  let database: TestDatabase;
  let platform: Platform | undefined;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('server');
    const settings = loadSettings({ DATABASE_URL: database.url, LOG_LEVEL: 'info', SLUICE_SEED_SAMPLES: 'false' });
    const logger = createLogger(settings, { service: 'sluice-test', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
    platform = await openPlatform(settings, logger, { worker: false });
  });

  afterAll(async () => {
    await platform?.close();
    await database?.drop();
  });

  it('logs the migrations it ran', () => {
    expect(lines.some((line) => line.component === 'Store' && line.msg === 'store migrated')).toBe(true);
  });

  it('logs a pooled connection the server terminated, and keeps answering', async () => {
    const store = platform!.store;
    // Fills the pool with idle connections.
    await Promise.all(Array.from({ length: 4 }, () => store.outboxBacklog()));
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      const name = new URL(database.url).pathname.slice(1);
      const terminated = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name = $2',
        [name, 'sluice'],
      );
      expect(terminated.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await until('a pool error logged by the store', () => lines.some((line) => line.component === 'Store' && line.level === WARN && /pool/i.test(line.msg)));
    await expect(store.outboxBacklog()).resolves.toEqual(expect.any(Number));
  });
});
