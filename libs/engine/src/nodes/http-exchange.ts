import type { HttpMethod } from '@sluice/contracts';

/** HTTP methods an `http` node may use. */
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Time limit of one http attempt when the node sets none, in ms. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** Largest allowed `timeoutMs`, in ms (5 minutes). */
export const MAX_HTTP_TIMEOUT_MS = 300_000;

/** The request the runtime performs for one attempt of an `http` step. */
export interface HttpRequestSpec {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  /** Serialised JSON body, when the node has a body expression that produced a value. */
  body?: string;
  /** Time limit of the attempt, in ms. */
  timeoutMs: number;
}

/** What the runtime observed while performing a step's side effect. */
export type EffectResult = {
  kind: 'http';
  /** ISO timestamp the request was sent. */
  startedAt: string;
  /** Wall time of the request, in ms. */
  durationMs: number;
  /** Present when a response arrived; `body` already parsed (JSON value, or text). */
  response?: { status: number; headers: Record<string, string>; body: unknown };
  /**
   * Present when no response arrived. `refused`: the destination is not
   * allowed (a private address without SLUICE_HTTP_ALLOW_PRIVATE); final.
   */
  error?: { code: 'timeout' | 'network' | 'refused'; message: string };
};
