import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedProcess, freePort } from '../support/embedded-process';

/** Longest a SIGTERM may take with a live stream open, in ms; the stream's grace period is 1 s. */
const SHUTDOWN_BUDGET_MS = 15_000;

describe('shutdown with live streams open (npm start)', () => {
  let dataDir: string;
  let sluice: EmbeddedProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-shutdown-'));
    sluice = new EmbeddedProcess(dataDir, await freePort(), { SLUICE_SEED_SAMPLES: 'false', LOG_LEVEL: 'warn' });
    await sluice.start(120_000);
  });

  afterAll(async () => {
    await sluice?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('ends every open /api/stream and exits 0 on SIGTERM instead of waiting for the clients', async () => {
    const readers = await Promise.all([1, 2, 3].map(async () => {
      const response = await fetch(`${sluice.baseUrl}/api/stream`);
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain(': connected');
      // Drains the stream until the server ends it (wrapped, so this map does not wait for it).
      return { drained: (async () => {
        try {
          while (!(await reader.read()).done) { /* heartbeats and notices */ }
          return 'ended';
        } catch {
          return 'cut';
        }
      })() };
    }));

    const started = Date.now();
    const stopped = sluice.stop();
    const outcome = await Promise.race([
      stopped.then((code) => ({ code })),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), SHUTDOWN_BUDGET_MS)),
    ]);

    expect(outcome).toEqual({ code: 0 });
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_BUDGET_MS);
    expect(await Promise.all(readers.map((reader) => reader.drained))).toEqual(['ended', 'ended', 'ended']);
  });
});
