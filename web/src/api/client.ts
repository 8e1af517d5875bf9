import type {
  CreateFlowRequest,
  DeadLetterDto,
  FlowDto,
  FlowGraph,
  FlowLiveDto,
  FlowVersionDto,
  HistoryItemDto,
  Page,
  ReplayDto,
  ReplayEventDetail,
  ReplayListItem,
  ReplayRequest,
  ReplayStartedDto,
  RetryDto,
  RunDto,
  RunQueryPage,
  RunStatus,
  TriggerResponse,
  UpdateFlowRequest,
  ValidateResponse,
} from '@sluice/contracts';
import { ApiError } from './ApiError';
import { apiKeyStore } from './apiKeyStore';
import { openEventStream } from './eventStream';
import type { SseMessage } from './sseParser';

/** Base of every API path; the app is served by the API itself, so same origin. */
const BASE = '';

/** Methods that change state: the API requires `content-type: application/json` on them, even with no body. */
const READS = new Set(['GET', 'HEAD']);

/** Headers of a call sent with `key`: the bearer key when the tab holds one, and the media type on writes. */
export function requestHeaders(method: string, key: string | null): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (!READS.has(method)) headers['content-type'] = 'application/json';
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  return headers;
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const key = apiKeyStore.getState().key;
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers: requestHeaders(method, key),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Cannot reach the Sluice API');
  }
  if (response.status === 401) apiKeyStore.getState().refused(key);
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

/** One page of flows (`limit` up to 500; `cursor` from the previous page's `nextCursor`). */
function listFlowsPage(params: { limit?: number; cursor?: string | undefined } = {}): Promise<Page<FlowDto>> {
  return request<Page<FlowDto>>('GET', `/api/flows${query(params)}`);
}

/** Typed calls over the REST API (docs/rest-api.md). Every failure throws an {@link ApiError}. */
export const api = {
  listFlowsPage,
  /** Every active flow: follows `nextCursor` page by page, so lists and name lookups see them all. */
  listAllFlows: () => collectPages((cursor) => listFlowsPage({ limit: FLOW_PAGE_SIZE, cursor })),
  getFlow: (id: string, version?: number) => request<FlowDto>('GET', `/api/flows/${enc(id)}${query({ version })}`),
  createFlow: (input: CreateFlowRequest) => request<FlowDto>('POST', '/api/flows', input),
  saveFlow: (id: string, input: UpdateFlowRequest) => request<FlowDto>('PUT', `/api/flows/${enc(id)}`, input),
  archiveFlow: (id: string) => request<void>('DELETE', `/api/flows/${enc(id)}`),
  flowVersions: (id: string) => request<Page<FlowVersionDto>>('GET', `/api/flows/${enc(id)}/versions`),
  validateGraph: (graph: FlowGraph, signal?: AbortSignal) => request<ValidateResponse>('POST', '/api/flows/validate', { graph }, signal),
  /** Where the flow's work is now and where it backs up (docs/live-topology.md). */
  flowLive: (id: string) => request<FlowLiveDto>('GET', `/api/flows/${enc(id)}/live`),
  triggerFlow: (id: string, payload: unknown) => request<TriggerResponse>('POST', `/api/flows/${enc(id)}/events`, payload),

  listRuns: (params: { flowId?: string; status?: RunStatus; limit?: number; cursor?: string } = {}) =>
    request<Page<RunDto>>('GET', `/api/runs${query(params)}`),
  /** A page of a flow's runs found by one search key or by a payload predicate `q` (which adds `scanned` and `complete`). */
  searchRuns: (
    flowId: string,
    search: { key: { name: string; value: string } } | { q: string },
    params: { status?: RunStatus; limit?: number; cursor?: string } = {},
  ) =>
    request<Page<RunDto> & Partial<Pick<RunQueryPage, 'scanned' | 'complete'>>>(
      'GET',
      `/api/runs${query({ flowId, ...params, ...('key' in search ? { [`key.${search.key.name}`]: search.key.value } : { q: search.q }) })}`,
    ),
  getRun: (id: string, asOf?: number) => request<RunDto>('GET', `/api/runs/${enc(id)}${query({ asOf })}`),
  runHistory: (id: string) => request<Page<HistoryItemDto>>('GET', `/api/runs/${enc(id)}/history`),
  retryRun: (id: string) => request<{ accepted: true }>('POST', `/api/runs/${enc(id)}/retry`),

  /** Starts a shadow replay of the flow's recorded events through a draft or a version (docs/rest-api.md#replays). */
  startReplay: (flowId: string, input: ReplayRequest) => request<ReplayStartedDto>('POST', `/api/flows/${enc(flowId)}/replays`, input),
  getReplay: (id: string) => request<ReplayDto>('GET', `/api/replays/${enc(id)}`),
  /** One replayed event, the original run and the replayed run side by side. */
  replayEvent: (id: string, runId: string) => request<ReplayEventDetail>('GET', `/api/replays/${enc(id)}/events/${enc(runId)}`),
  listReplays: (flowId: string) => request<{ items: ReplayListItem[] }>('GET', `/api/flows/${enc(flowId)}/replays`),

  listRetries: () => request<Page<RetryDto>>('GET', '/api/retries'),
  listDeadLetters: () => request<Page<DeadLetterDto>>('GET', '/api/dead-letters'),
  redriveDeadLetter: (id: string) => request<unknown>('POST', `/api/dead-letters/${enc(id)}/redrive`),
  discardDeadLetter: (id: string) => request<void>('DELETE', `/api/dead-letters/${enc(id)}`),
};

/** Flows asked for per page when loading the whole list: the API's largest page. */
const FLOW_PAGE_SIZE = 500;
/** Pages followed at most, so a server that kept answering cursors could not keep the app loading forever. */
const MAX_PAGES = 200;

/** Concatenates pages until one has no `nextCursor` (or repeats one). */
export async function collectPages<T>(load: (cursor: string | undefined) => Promise<Page<T>>): Promise<Page<T>> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await load(cursor);
    items.push(...page.items);
    const next = page.nextCursor;
    if (next === undefined || next === null || next === '' || seen.has(next)) break;
    seen.add(next);
    cursor = next;
  }
  return { items };
}

/** URL of the live stream (docs/rest-api.md), filtered by flow or run. Never carries the key. */
export function streamUrl(filter: { flowId: string } | { runId: string }): string {
  return `${BASE}/api/stream${query(filter)}`;
}

/**
 * Follows the live stream of a flow or a run over `fetch`, with the tab's key
 * as a bearer header (read afresh on every reconnection). A 401 sends the app
 * to the sign-in screen and ends the stream. Returns `close`.
 */
export function openLiveStream(
  filter: { flowId: string } | { runId: string },
  handlers: { onOpen: () => void; onMessage: (message: SseMessage) => void },
): () => void {
  let sentKey: string | null = null;
  return openEventStream({
    url: streamUrl(filter),
    headers: (): Record<string, string> => {
      sentKey = apiKeyStore.getState().key;
      return sentKey === null ? {} : { authorization: `Bearer ${sentKey}` };
    },
    onOpen: handlers.onOpen,
    onMessage: handlers.onMessage,
    onRefused: (status) => {
      if (status === 401) apiKeyStore.getState().refused(sentKey);
    },
  });
}

/**
 * Asks the API whether it accepts `key`, without keeping it: `accepted`, or
 * `refused` on 401. Anything else (unreachable, 5xx) throws an {@link ApiError}.
 */
export async function checkApiKey(key: string): Promise<'accepted' | 'refused'> {
  let response: Response;
  try {
    response = await fetch(`${BASE}/api/flows?limit=1`, { headers: requestHeaders('GET', key) });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the Sluice API');
  }
  if (response.status === 401) return 'refused';
  if (!response.ok) throw await ApiError.fromResponse(response);
  await response.body?.cancel().catch(() => undefined);
  return 'accepted';
}
