import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the target answers to the next requests, in order; the last entry repeats. */
export type Reply = {
  status: number;
  /** Sent as JSON unless `raw` or `stream` is given. */
  body?: unknown;
  /** Extra response headers; an array sends the header once per value (e.g. several `set-cookie`). */
  headers?: Record<string, string | string[]>;
  delayMs?: number;
  /** Bytes sent as the body as they are (e.g. gzip), with no content type added. */
  raw?: Buffer;
  /** Chunks written one by one with backpressure (a slow, long or endless body); stops when the client goes away. */
  stream?: () => AsyncIterable<Buffer>;
};

/** A request the target received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
  /** Order of arrival across every target server of this process: unlike `at`, two requests never tie. */
  seq: number;
}

let arrivals = 0;

/**
 * A real HTTP server on 127.0.0.1 that `http` nodes call in tests. Replies
 * follow a script (or a function of the request, see `respond`), and every
 * request is recorded with its headers.
 */
export class TargetServer {
  readonly requests: RecordedRequest[] = [];
  private script: Reply[] = [{ status: 200, body: { ok: true } }];
  private handler: ((request: RecordedRequest) => Reply) | undefined;
  private server: Server | undefined;
  /** Bytes of body written so far across all replies, to show a client stopped reading. */
  bytesSent = 0;
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
        const recorded: RecordedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, at: Date.now(), seq: (arrivals += 1) };
        this.requests.push(recorded);
        const reply = this.handler?.(recorded) ?? (this.script.length > 1 ? this.script.shift() : this.script[0]) ?? { status: 200 };
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (reply.stream) {
          response.writeHead(reply.status, { ...reply.headers });
          for await (const chunk of reply.stream()) {
            if (response.destroyed) break;
            this.bytesSent += chunk.length;
            if (!response.write(chunk)) await drainOrClose(response);
          }
          response.end();
          return;
        }
        if (reply.raw) {
          response.writeHead(reply.status, { ...reply.headers });
          this.bytesSent += reply.raw.length;
          response.end(reply.raw);
          return;
        }
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
    this.handler = undefined;
    this.script = script.length > 0 ? script : [{ status: 200 }];
    return this;
  }

  /** Answers every request with a reply chosen from it (by path, for redirect chains); replaces the script. */
  respond(handler: (request: RecordedRequest) => Reply): this {
    this.handler = handler;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function drainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
