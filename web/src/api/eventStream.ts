import { SseParser, type SseMessage } from './sseParser';

export interface EventStreamOptions {
  url: string;
  /** Headers of each connection attempt, asked afresh every time so a new key is picked up. */
  headers: () => Record<string, string>;
  /** Every message the stream carries. */
  onMessage: (message: SseMessage) => void;
  /** The first connection and every reconnection once the server has answered 200: time to catch up over REST. */
  onOpen?: () => void;
  /**
   * The server answered with a status that will not change on retry (401,
   * 403, 404, …). The stream stops; it does not reconnect.
   */
  onRefused?: (status: number) => void;
  /** Delay before the first reconnection, in ms; doubled on each failure in a row. Default 1000. */
  initialDelayMs?: number;
  /** Longest delay between reconnections, in ms. Default 30 000. */
  maxDelayMs?: number;
  /**
   * Reconnect when nothing, not even a heartbeat comment, arrived for this
   * long, in ms. The API sends a heartbeat every 15 s. Default 45 000.
   */
  idleTimeoutMs?: number;
  /** The fetch to use (tests pass their own). */
  fetch?: typeof fetch;
}

/** Statuses worth reconnecting after: the server or a proxy may answer differently later. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Reads Server-Sent Events over `fetch`, so the request can carry an
 * `Authorization` header (an `EventSource` cannot, and a key must never go in
 * a URL). Reconnects after errors, server closes and silent connections with
 * exponential backoff and jitter (or the server's `retry:` delay as the
 * base; at least the Retry-After of a 503, up to the longest delay), and
 * stops for good on a refusal. Returns `close`, which aborts the
 * connection and any pending reconnection.
 */
export function openEventStream(options: EventStreamOptions): () => void {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const initialDelayMs = options.initialDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const closed = new AbortController();

  /** The wait a 503 or 429 asked for with Retry-After (seconds), in ms; 0 when none. */
  let retryAfterMs = 0;

  const connect = async (parser: SseParser): Promise<'opened' | 'failed' | 'refused'> => {
    const attempt = new AbortController();
    const abort = (): void => attempt.abort();
    closed.signal.addEventListener('abort', abort);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const watch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(abort, idleTimeoutMs);
    };
    let opened = false;
    try {
      watch();
      const response = await fetchImpl(options.url, {
        headers: { accept: 'text/event-stream', ...options.headers() },
        cache: 'no-store',
        signal: attempt.signal,
      });
      if (!response.ok) {
        void response.body?.cancel().catch(() => undefined);
        if (retryable(response.status)) {
          const seconds = Number(response.headers.get('retry-after'));
          retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, maxDelayMs) : 0;
          return 'failed';
        }
        options.onRefused?.(response.status);
        return 'refused';
      }
      if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        void response.body?.cancel().catch(() => undefined);
        return 'failed';
      }
      opened = true;
      watch();
      options.onOpen?.();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        watch();
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          if (closed.signal.aborted) break;
          options.onMessage(message);
        }
      }
    } catch {
      // A network error, an abort (closed or silent too long): reconnect unless closed.
    } finally {
      clearTimeout(idle);
      closed.signal.removeEventListener('abort', abort);
    }
    return opened ? 'opened' : 'failed';
  };

  const run = async (): Promise<void> => {
    let failures = 0;
    /** The server's `retry:` delay, kept across connections. */
    let retryMs: number | undefined;
    while (!closed.signal.aborted) {
      const parser = new SseParser();
      const outcome = await connect(parser);
      if (outcome === 'refused' || closed.signal.aborted) return;
      retryMs = parser.retryMs ?? retryMs;
      // A connection that opened starts the backoff over; failures in a row double it.
      failures = outcome === 'opened' ? 0 : failures + 1;
      const base = Math.min(maxDelayMs, (retryMs ?? initialDelayMs) * 2 ** Math.max(0, failures - 1));
      const delay = Math.max(retryAfterMs, base / 2 + Math.random() * (base / 2));
      retryAfterMs = 0;
      await sleep(delay, closed.signal);
    }
  };

  void run();
  return () => closed.abort();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
