import type { StreamNotice } from '@sluice/contracts';
import { DomainError, type BrokerPort, type RuntimeMetrics } from '@sluice/runtime';
import type { Response } from 'express';

/** Interval of comment lines that keep idle connections open through proxies, in ms. */
const HEARTBEAT_MS = 15_000;

/** Time a stream client gets to take its last bytes on shutdown before its socket is cut, in ms. */
const CLOSE_GRACE_MS = 1000;

/** Seconds a client refused at the connection limit is told to wait (Retry-After). */
const RETRY_AFTER_SECONDS = 5;

/** Which runs a stream client follows; unset fields match everything. */
export interface StreamFilter {
  flowId?: string;
  runId?: string;
}

export interface StreamLimits {
  /** Most open connections in this process (SLUICE_STREAM_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Unsent bytes a client may hold before it is dropped (SLUICE_STREAM_MAX_BUFFER). */
  maxBuffer: number;
}

/**
 * The open `/api/stream` connections of this process. It bounds their number,
 * and drops a client that stops reading once its unsent data passes
 * `maxBuffer`, so one stalled reader cannot make the process hold every
 * notice since it stalled. Each frame is written whole; the check comes
 * before a write, so a client holds at most `maxBuffer` plus one frame.
 */
export class StreamClients {
  private open = 0;
  /** Ends each open stream; emptied by close(). */
  private readonly closers = new Set<() => void>();
  private closing = false;

  constructor(
    private readonly broker: BrokerPort,
    private readonly metrics: RuntimeMetrics,
    private readonly limits: StreamLimits,
  ) {}

  /**
   * Starts an SSE stream on `response`, or throws DomainError `unavailable`
   * (503 with Retry-After) when the process already holds its maximum.
   */
  attach(filter: StreamFilter, response: Response): void {
    if (this.closing) {
      throw new DomainError('unavailable', 'This process is shutting down');
    }
    if (this.open >= this.limits.maxConnections) {
      this.metrics.streamConnectionRefused();
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      throw new DomainError('unavailable', `This process already serves ${this.limits.maxConnections} live streams (SLUICE_STREAM_MAX_CONNECTIONS)`, {
        limit: 'SLUICE_STREAM_MAX_CONNECTIONS',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
    this.open += 1;
    this.metrics.streamConnections(1);

    response.status(200).set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();

    let closed = false;
    let unsubscribe = (): void => undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    const release = (): void => {
      if (closed) return;
      closed = true;
      this.closers.delete(end);
      clearInterval(heartbeat);
      unsubscribe();
      this.open -= 1;
      this.metrics.streamConnections(-1);
    };
    const send = (frame: string): void => {
      if (closed) return;
      if (response.writableLength > this.limits.maxBuffer) {
        this.metrics.streamClientDropped();
        release();
        // destroy, not end: end would wait behind the unsent data the client is not reading.
        response.destroy();
        return;
      }
      response.write(frame);
    };
    // Ends the stream for shutdown; a client that does not take its last bytes is cut after a grace period.
    const end = (): void => {
      release();
      response.end();
      setTimeout(() => response.destroy(), CLOSE_GRACE_MS).unref();
    };
    this.closers.add(end);
    const matches = (notice: StreamNotice): boolean =>
      (!filter.flowId || notice.flowId === filter.flowId) && (!filter.runId || notice.runId === filter.runId);
    response.on('close', release);
    unsubscribe = this.broker.onNotice((notice) => {
      if (matches(notice)) send(`event: ${notice.kind}\ndata: ${JSON.stringify(notice)}\n\n`);
    });
    heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
    send(': connected\n\n');
  }

  /**
   * Ends every open stream and refuses new ones, so shutdown does not wait
   * for clients that would otherwise stay connected for ever.
   */
  close(): void {
    this.closing = true;
    for (const end of [...this.closers]) end();
  }
}
