import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

/** What the proxy does with traffic: pass it, hold it, or turn connections away. */
export type ProxyState = 'open' | 'stalled' | 'refusing';

/** One proxied connection: the client side, the upstream side, and bytes held while stalled. */
interface Link {
  client: Socket;
  upstream: Socket;
  held: { to: Socket; chunk: Buffer }[];
}

/**
 * A loopback TCP proxy between Sluice and a server (RabbitMQ, PostgreSQL), so a
 * test can inject network faults for its own connections only, without
 * touching the shared server:
 * - `cut()` destroys every open connection, as a network failure would; new
 *   connections still get through;
 * - `refuse()` resets every new connection at once (the server looks down);
 *   `refuse({ cut: true })` also cuts the open ones;
 * - `stall()` keeps connections open but holds every byte in both directions
 *   (a hung server or a black-holed network), new connections included;
 * - `restore()` ends a refusal or a stall: held bytes flow again, in order.
 *
 * It listens on 127.0.0.1 only; `url(original)` rewrites a connection URL to
 * go through it.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  private mode: ProxyState = 'open';
  port = 0;
  /** Connections accepted and passed on since start (refused ones not counted). */
  accepted = 0;
  /** Connections reset because the proxy was refusing. */
  refused = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  /** A proxy in front of the host and port of `url` (`postgres://…`, `amqp://…`). */
  static forUrl(url: string, defaultPort: number): TcpProxy {
    const parsed = new URL(url);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') throw new Error(`the proxy only fronts loopback servers, got ${host}`);
    return new TcpProxy({ host, port: Number(parsed.port || defaultPort) });
  }

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', resolve);
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(original: string): string {
    const rewritten = new URL(original);
    rewritten.hostname = '127.0.0.1';
    rewritten.port = String(this.port);
    return rewritten.toString();
  }

  get state(): ProxyState {
    return this.mode;
  }

  /** Connections open through the proxy right now. */
  get open(): number {
    return this.links.size;
  }

  /** Destroys every open connection; returns how many there were. */
  cut(): number {
    const open = this.links.size;
    for (const link of [...this.links]) this.close(link);
    return open;
  }

  /** Resets every new connection until `restore()`; with `cut`, also destroys the open ones. Returns how many were cut. */
  refuse(options: { cut?: boolean } = {}): number {
    this.mode = 'refusing';
    return options.cut ? this.cut() : 0;
  }

  /** Holds every byte, both ways, on open and new connections, until `restore()`. */
  stall(): void {
    this.mode = 'stalled';
  }

  /** Passes traffic again: new connections get through and bytes held by a stall are delivered. */
  restore(): void {
    this.mode = 'open';
    for (const link of this.links) {
      for (const { to, chunk } of link.held.splice(0)) if (!to.destroyed) to.write(chunk);
    }
  }

  async stop(): Promise<void> {
    this.mode = 'refusing';
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'refusing') {
      this.refused += 1;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    this.accepted += 1;
    const upstream = tcpConnect(this.upstream.port, this.upstream.host);
    const link: Link = { client, upstream, held: [] };
    this.links.add(link);
    this.forward(link, client, upstream);
    this.forward(link, upstream, client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => this.close(link));
    }
  }

  /** Copies `from` to `to`, holding chunks while stalled and pausing `from` while `to` is full. */
  private forward(link: Link, from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.mode === 'stalled' || link.held.length > 0) {
        link.held.push({ to, chunk });
        return;
      }
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('end', () => {
      if (this.mode !== 'stalled' && link.held.length === 0) to.end();
    });
  }

  private close(link: Link): void {
    if (!this.links.delete(link)) return;
    link.held.length = 0;
    link.client.destroy();
    link.upstream.destroy();
  }
}
