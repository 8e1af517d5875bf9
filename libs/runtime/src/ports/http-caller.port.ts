import type { EffectResult, HttpRequestSpec } from '@sluice/engine';

/** Performs the request of an `http` step. Never throws: failures come back in the result. */
export interface HttpCaller {
  call(request: HttpRequestSpec): Promise<EffectResult>;
}

/**
 * Decides whether an `http` node may reach a URL (SPEC §5: loopback,
 * link-local and private addresses need SLUICE_HTTP_ALLOW_PRIVATE). Returns a
 * reason when refused.
 */
export interface DestinationGuard {
  check(url: URL): Promise<string | undefined>;
}
