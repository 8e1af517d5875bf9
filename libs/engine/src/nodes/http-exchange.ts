import type { HttpMethod } from '@sluice/contracts';

/** HTTP methods an `http` node may use. */
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Time limit of one http attempt when the node sets none, in ms. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** Largest allowed `timeoutMs`, in ms (5 minutes). */
export const MAX_HTTP_TIMEOUT_MS = 300_000;

/** Most redirects one http attempt follows; one more fails the step without retries. */
export const MAX_HTTP_REDIRECTS = 5;

/**
 * A secret reference in an http header value: `{{secret.NAME}}`, replaced at
 * call time by the value of `SLUICE_SECRET_<NAME>`. The graph, history and
 * run state only ever hold the reference.
 */
export const SECRET_REFERENCE = /\{\{secret\.([A-Za-z0-9_]+)\}\}/g;

/** Names of the secrets a header value refers to, in order of appearance. */
export function secretReferences(value: string): string[] {
  return [...value.matchAll(SECRET_REFERENCE)].map((match) => match[1] as string);
}

/**
 * Response headers never kept in a step's output (history, run state, the
 * live stream, dead letters): session cookies, and credentials a server
 * might echo back.
 */
export const UNSTORED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'set-cookie', 'set-cookie2', 'cookie', 'authorization', 'proxy-authorization',
]);

/** The request the runtime performs for one attempt of an `http` step. */
export interface HttpRequestSpec {
  url: string;
  method: HttpMethod;
  /** Header values may hold {@link SECRET_REFERENCE}s, resolved by the runtime when it sends the request. */
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
   * Present when no usable response arrived. `timeout` and `network` may be
   * retried; the rest are final:
   * - `refused`: the destination, or a redirect hop, is not allowed (a
   *   non-public address without SLUICE_HTTP_ALLOW_PRIVATE);
   * - `too_many_redirects`: more than {@link MAX_HTTP_REDIRECTS};
   * - `output_too_large`: the body, decompressed, passed the step output limit;
   * - `secret_missing`: a header refers to a secret that is not set;
   * - `no_recorded_response`: a replay had neither the original run's
   *   response nor a stub to answer with; no request is ever sent in a
   *   replay (docs/replay.md).
   */
  error?: { code: HttpEffectErrorCode; message: string };
};

/** Why an http attempt ended without a usable response; see {@link EffectResult}. */
export type HttpEffectErrorCode =
  | 'timeout' | 'network' | 'refused' | 'too_many_redirects' | 'output_too_large' | 'secret_missing' | 'no_recorded_response';

/** Error codes of an http attempt that another attempt may fix. */
export const RETRYABLE_HTTP_EFFECT_ERRORS: ReadonlySet<HttpEffectErrorCode> = new Set(['timeout', 'network']);
