import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Lets the HTTP server close promptly on shutdown while clients keep sending.
 * Node's `server.close()` only refuses new connections: a client that keeps
 * its connections open (keep-alive, as fetch and most HTTP clients do) goes on
 * sending requests on them, so under a steady load a stopping API would keep
 * accepting triggers and never exit. From the start of the shutdown, every
 * response, those under way included, carries `Connection: close`, and each
 * connection is closed as soon as it is idle: an open connection carries at
 * most the request under way on it, or one more.
 */
@Injectable()
export class ClosingConnections implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly open = new Set<ServerResponse>();
  private closing = false;
  private server: Server | undefined;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    // Ahead of Express, so the header is set before any handler can answer.
    this.server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => this.track(response));
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const response of this.open) closeAfter(response);
    this.server?.closeIdleConnections();
  }

  private track(response: ServerResponse): void {
    if (this.closing) closeAfter(response);
    this.open.add(response);
    response.once('close', () => {
      this.open.delete(response);
      // A response that ended keep-alive leaves its connection idle: close it too.
      if (this.closing) setImmediate(() => this.server?.closeIdleConnections());
    });
  }
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('connection', 'close');
}
