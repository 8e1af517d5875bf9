import type {
  CreateFlowRequest,
  DeadLetterDto,
  FlowDto,
  FlowGraph,
  FlowVersionDto,
  HistoryItemDto,
  Page,
  RetryDto,
  RunDto,
  RunStatus,
  TriggerResponse,
  UpdateFlowRequest,
  ValidateResponse,
} from '@sluice/contracts';
import { ApiError } from './ApiError';

/** Base of every API path; the app is served by the API itself, so same origin. */
const BASE = '';

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Cannot reach the Sluice API');
  }
  if (!response.ok) throw await ApiError.fromResponse(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const enc = encodeURIComponent;

/** Typed calls over the SPEC §5 REST API. Every failure throws an {@link ApiError}. */
export const api = {
  listFlows: () => request<Page<FlowDto>>('GET', '/api/flows'),
  getFlow: (id: string, version?: number) => request<FlowDto>('GET', `/api/flows/${enc(id)}${query({ version })}`),
  createFlow: (input: CreateFlowRequest) => request<FlowDto>('POST', '/api/flows', input),
  saveFlow: (id: string, input: UpdateFlowRequest) => request<FlowDto>('PUT', `/api/flows/${enc(id)}`, input),
  archiveFlow: (id: string) => request<void>('DELETE', `/api/flows/${enc(id)}`),
  flowVersions: (id: string) => request<Page<FlowVersionDto>>('GET', `/api/flows/${enc(id)}/versions`),
  validateGraph: (graph: FlowGraph, signal?: AbortSignal) => request<ValidateResponse>('POST', '/api/flows/validate', { graph }, signal),
  triggerFlow: (id: string, payload: unknown) => request<TriggerResponse>('POST', `/api/flows/${enc(id)}/events`, payload),

  listRuns: (params: { flowId?: string; status?: RunStatus; limit?: number; cursor?: string } = {}) =>
    request<Page<RunDto>>('GET', `/api/runs${query(params)}`),
  getRun: (id: string, asOf?: number) => request<RunDto>('GET', `/api/runs/${enc(id)}${query({ asOf })}`),
  runHistory: (id: string) => request<Page<HistoryItemDto>>('GET', `/api/runs/${enc(id)}/history`),
  retryRun: (id: string) => request<{ accepted: true }>('POST', `/api/runs/${enc(id)}/retry`),

  listRetries: () => request<Page<RetryDto>>('GET', '/api/retries'),
  listDeadLetters: () => request<Page<DeadLetterDto>>('GET', '/api/dead-letters'),
  redriveDeadLetter: (id: string) => request<unknown>('POST', `/api/dead-letters/${enc(id)}/redrive`),
  discardDeadLetter: (id: string) => request<void>('DELETE', `/api/dead-letters/${enc(id)}`),
};

/** URL of the live stream (SPEC §5), filtered by flow or run. */
export function streamUrl(filter: { flowId: string } | { runId: string }): string {
  return `${BASE}/api/stream${query(filter)}`;
}
