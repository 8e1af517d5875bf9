import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpAdapterHost } from '@nestjs/core';
import { Agent, request } from 'undici';
import { ClosingConnections } from './closing-connections';

/** A server whose handler answers after `delayMs`, with ClosingConnections attached as Nest would. */
async function serve(delayMs: number): Promise<{ server: Server; closing: ClosingConnections; url: string }> {
  const server = createServer((_request, response) => void setTimeout(() => response.end('ok'), delayMs));
  const closing = new ClosingConnections({ httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost);
  closing.onApplicationBootstrap();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, closing, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Sends requests back to back on kept-alive connections until `stop`; resolves with how many were answered. */
async function keepSending(url: string, dispatcher: Agent, stop: () => boolean): Promise<number> {
  let answered = 0;
  while (!stop()) {
    try {
      const response = await request(url, { dispatcher });
      await response.body.text();
      answered += 1;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return answered;
}

/** `promise`'s value, or 'timed out' after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('ClosingConnections', () => {
  // Node's server.close() alone waits for kept-alive connections to fall idle, which they never do under a steady load.
  it('lets the server close while clients keep sending on kept-alive connections', async () => {
    const { server, closing, url } = await serve(10);
    const dispatcher = new Agent({ connections: 4 });
    let stopped = false;
    const clients = Array.from({ length: 4 }, () => keepSending(url, dispatcher, () => stopped));
    await new Promise((resolve) => setTimeout(resolve, 100));

    closing.beforeApplicationShutdown();
    const closed = await within(new Promise<void>((resolve) => server.close(() => resolve())), 2000);
    stopped = true;
    const answered = await Promise.all(clients);
    server.closeAllConnections();
    await dispatcher.close();

    expect(closed).toBeUndefined();
    expect(Math.min(...answered)).toBeGreaterThan(0);
  });

  it('answers a request under way with Connection: close once the shutdown has started', async () => {
    const { server, closing, url } = await serve(200);
    const dispatcher = new Agent();
    const answer = request(url, { dispatcher });
    await new Promise((resolve) => setTimeout(resolve, 50));
    closing.beforeApplicationShutdown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));

    const response = await answer;
    expect(await response.body.text()).toBe('ok');
    expect(response.headers.connection).toBe('close');
    await closed;
    await dispatcher.close();
  });
});
