import type { EffectResult, HttpRequestSpec } from '@sluice/engine';

/**
 * Performs the request of an `http` step: resolves its secret references,
 * keeps off non-public addresses unless SLUICE_HTTP_ALLOW_PRIVATE (docs/security.md),
 * follows redirects and bounds the body. Never throws: failures come back in
 * the result.
 */
export interface HttpCaller {
  call(request: HttpRequestSpec): Promise<EffectResult>;
  /** Releases pooled connections; called once at shutdown, after the last call. */
  close?(): Promise<void>;
}
