import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { freePort } from '../support/embedded-process';
import { deleteNamespace, rabbitMqUrl, randomNamespace } from '../support/rabbitmq';

const ROOT = join(__dirname, '..', '..');
const ROUNDS = 5;
/** Pino's line when a worker's transport starts consuming. */
const WORKER_READY = '"msg":"worker consuming"';
/** What a start that rewrites dist/ under another start dies of. */
const BUILD_RACE = /ENOTEMPTY|ENOENT|Cannot find module|failed to start/;
/** Output folders the build writes; start must leave every one of them as it found it. */
const OUTPUTS = ['libs/contracts/dist', 'libs/engine/dist', 'apps/api/dist', 'apps/worker/dist', 'web/dist'];

/** One `npm run <script>` from the checkout, in its own process group so nothing outlives the test. */
class StartedProcess {
  output = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    script: 'start:api' | 'start:worker',
    env: Record<string, string>,
    private readonly readyUrl?: string,
  ) {
    this.child = spawn('npm', ['run', script], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the API answers /health/ready or the worker consumes; throws with the output if it exits first. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) during start-up:\n${this.output}`);
      if (await this.isReady()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGTERM to npm, which hands it to the app; resolves with npm's exit code. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** Whatever is left of the process group, after a failure. */
  killGroup(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private async isReady(): Promise<boolean> {
    if (!this.readyUrl) return this.output.includes(WORKER_READY);
    try {
      return (await fetch(this.readyUrl)).status === 200;
    } catch {
      return false; // not listening yet
    }
  }
}

/** Identity of each output folder: a rewrite or a rename into place gives it a new inode. */
function outputIdentity(): Record<string, string> {
  return Object.fromEntries(OUTPUTS.map((path) => {
    const stats = statSync(join(ROOT, path));
    return [path, `${stats.ino}:${stats.mtimeMs}`];
  }));
}

/**
 * A process manager starting one API and two workers from one checkout at the
 * same instant (production mode: PostgreSQL and RabbitMQ). Start only checks
 * that the build (made by the global setup, as by `npm ci`) is current; if it
 * rebuilt dist/ as well, the three would delete each other's output.
 */
describe('npm run start:api + 2 × start:worker at the same instant', () => {
  let database: TestDatabase | undefined;
  let namespace: string | undefined;
  let processes: StartedProcess[] = [];

  afterEach(async () => {
    for (const started of processes) started.killGroup();
    processes = [];
    await database?.drop();
    database = undefined;
    if (namespace) await deleteNamespace(namespace).catch(() => undefined);
    namespace = undefined;
  });

  it.each(Array.from({ length: ROUNDS }, (_, index) => index + 1))('round %i: all three become ready and stop cleanly, and dist/ is untouched', async () => {
    database = await createTestDatabase('server');
    namespace = randomNamespace();
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      AMQP_URL: rabbitMqUrl(),
      AMQP_NAMESPACE: namespace,
    };
    const before = outputIdentity();

    // Same tick: nothing orders the three, as under systemd.
    processes = [
      new StartedProcess('api', 'start:api', { ...env, PORT: String(port) }, `http://127.0.0.1:${port}/health/ready`),
      new StartedProcess('worker 1', 'start:worker', env),
      new StartedProcess('worker 2', 'start:worker', env),
    ];
    await Promise.all(processes.map((started) => started.ready(90_000)));

    const codes = await Promise.all(processes.map((started) => started.stop()));
    expect(Object.fromEntries(processes.map((started, index) => [started.name, codes[index]]))).toEqual({ api: 0, 'worker 1': 0, 'worker 2': 0 });
    for (const started of processes) {
      expect(started.output).toContain('"msg":"shutting down"');
      expect(started.output).not.toMatch(BUILD_RACE);
    }
    expect(outputIdentity()).toEqual(before);
  });
});
