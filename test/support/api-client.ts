import type { FlowDto, FlowGraph, HistoryEvent, RunState } from '@sluice/contracts';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A thin fetch wrapper for tests: JSON in, JSON out, status kept. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
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

export function isFinished(run: RunState): boolean {
  return run.status === 'succeeded' || run.status === 'failed' || run.status === 'ignored';
}
