import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Which built entry point to run: the API (`npm start`, `start:api`) or a worker (`start:worker`). */
export type SluiceApp = 'api' | 'worker';

/** Pino's line when a worker's transport starts consuming. */
const WORKER_READY = '"msg":"worker consuming"';

/**
 * A built Sluice app (apps/<app>/dist/main.js, built by the global setup) as a
 * real child process that can be killed with SIGKILL. The API is ready once
 * /health/ready answers 200; a worker once it logs that it is consuming.
 */
export class SluiceProcess {
  private child: ChildProcess | undefined;
  output = '';

  constructor(
    readonly app: SluiceApp,
    private readonly env: Record<string, string>,
    /** The API's port (PORT); unused by workers. */
    readonly port = 0,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The running child's pid, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once it is ready; returns the time that took, in ms. */
  async start(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    this.output = '';
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', ...this.env };
    if (this.app === 'api') env.PORT = String(this.port);
    const child = spawn(process.execPath, [join(ROOT, `apps/${this.app}/dist/main.js`)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    while (Date.now() - started < timeoutMs) {
      if (exited) throw new Error(`sluice ${this.app} exited during start-up:\n${this.output}`);
      if (await this.isReady()) return Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`sluice ${this.app} was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** kill -9: no shutdown hooks run. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: shutdown hooks run. Resolves with the exit code (null when a signal ended it). */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  /** The running child's resident set size in bytes (VmRSS in /proc), or undefined once it has exited. */
  rss(): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined) return undefined;
    try {
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined; // gone
    }
  }

  private async isReady(): Promise<boolean> {
    if (this.app === 'worker') return this.output.includes(WORKER_READY);
    try {
      const response = await fetch(`${this.baseUrl}/health/ready`);
      return response.status === 200;
    } catch {
      return false; // not listening yet
    }
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const code = await exited;
    this.child = undefined;
    return code;
  }
}

/** `npm start`'s process in embedded mode on `dataDir`. */
export class EmbeddedProcess extends SluiceProcess {
  constructor(
    readonly dataDir: string,
    port: number,
    env: Record<string, string> = {},
  ) {
    super('api', { DATA_DIR: dataDir, ...env }, port);
  }
}
