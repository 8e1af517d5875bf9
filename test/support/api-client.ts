import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { FlowDto, FlowGraph, HistoryEvent, RunState } from '@sluice/contracts';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A thin fetch wrapper for tests: JSON in, JSON out, status kept. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  /** Bearer key sent with every request, when set. */
  key: string | undefined;

  /**
   * Sends `Content-Type: application/json` on every request but GET and HEAD,
   * with or without a body (Sluice refuses state changes without it), unless
   * `headers` names another content type.
   */
  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const sent: Record<string, string> = { ...headers };
    const init: RequestInit = { method, headers: sent };
    if (this.key !== undefined && !hasHeader(sent, 'authorization')) sent.authorization = `Bearer ${this.key}`;
    if (method !== 'GET' && method !== 'HEAD' && !hasHeader(sent, 'content-type')) sent['content-type'] = 'application/json';
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async createFlow(name: string, graph: FlowGraph): Promise<FlowDto> {
    const response = await this.request<FlowDto>('POST', '/api/flows', { name, graph });
    if (response.status !== 201) throw new Error(`createFlow ${name}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async trigger(flowId: string, payload: unknown, key?: string): Promise<{ runId: string; eventId: string; deduplicated: boolean }> {
    const response = await this.request<{ runId: string; eventId: string; deduplicated: boolean }>(
      'POST', `/api/flows/${flowId}/events`, payload, key ? { 'idempotency-key': key } : {},
    );
    if (response.status !== 202) throw new Error(`trigger: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async run(runId: string, asOf?: number): Promise<RunState> {
    const response = await this.request<RunState>('GET', `/api/runs/${runId}${asOf ? `?asOf=${asOf}` : ''}`);
    if (response.status !== 200) throw new Error(`run: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async history(runId: string): Promise<HistoryEvent[]> {
    const response = await this.request<{ items: HistoryEvent[] }>('GET', `/api/runs/${runId}/history`);
    if (response.status !== 200) throw new Error(`history: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.items;
  }

  /** Polls the run until it reaches a finished status (or the predicate holds). */
  async waitForRun(runId: string, until: (run: RunState) => boolean = isFinished, timeoutMs = 20_000): Promise<RunState> {
    const deadline = Date.now() + timeoutMs;
    let last: RunState | undefined;
    while (Date.now() < deadline) {
      last = await this.run(runId);
      if (until(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${runId} did not get there in ${timeoutMs} ms; last state ${JSON.stringify(last)}`);
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body was still coming (an event stream) when the read was cut off. */
  cutOff: boolean;
}

/**
 * One request with the path sent byte for byte as given (no URL
 * normalisation, unlike fetch), for tests of odd spellings, Host values and
 * missing headers. Reads the body for at most `readMs`, so an event stream
 * answers too.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; readMs?: number } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: url.hostname,
      port: url.port,
      method,
      path,
      headers: options.headers,
      setHost: !options.headers || !hasHeader(options.headers, 'host'),
      agent: false,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        response.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), cutOff: true });
      }, options.readMs ?? 2000);
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), cutOff: false });
      });
      response.on('error', () => undefined);
    });
    request.end(options.body);
  });
}

/** Writes `text` as it is to a TCP connection and returns the status code of the answer (HTTP/1.0 without Host, say). */
export function rawHttpStatus(baseUrl: string, text: string): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      if (status) {
        socket.destroy();
        resolve(Number(status));
      }
    });
    socket.on('close', () => reject(new Error(`connection closed without a status line: ${received.slice(0, 200)}`)));
    socket.write(text);
  });
}

export function isFinished(run: RunState): boolean {
  return run.status === 'succeeded' || run.status === 'failed' || run.status === 'ignored';
}
