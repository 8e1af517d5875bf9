import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the target answers to the next requests, in order; the last entry repeats. */
export type Reply = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

/**
 * A real HTTP server on 127.0.0.1 that `http` nodes call in tests. Replies
 * follow a script, and every request is recorded.
 */
export class TargetServer {
  readonly requests: { method: string; path: string; body: unknown; at: number }[] = [];
  private script: Reply[] = [{ status: 200, body: { ok: true } }];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void readBody(request).then(async (raw) => {
        let body: unknown = raw;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          /* keep the raw text */
        }
        this.requests.push({ method: request.method ?? '', path: request.url ?? '', body, at: Date.now() });
        const reply = (this.script.length > 1 ? this.script.shift() : this.script[0]) ?? { status: 200 };
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        response.end(JSON.stringify(reply.body ?? { status: reply.status }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Replaces the script: replies in order, the last one repeating forever. */
  reply(...script: Reply[]): this {
    this.script = script.length > 0 ? script : [{ status: 200 }];
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
