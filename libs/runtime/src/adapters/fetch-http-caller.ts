import type { EffectResult, HttpRequestSpec } from '@sluice/engine';
import type { DestinationGuard, HttpCaller } from '../ports/http-caller.port';

/** Largest response body kept in a step's output, in bytes; the rest is cut. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The `http` node's caller over the platform's fetch, with a per-attempt time limit. */
export class FetchHttpCaller implements HttpCaller {
  constructor(private readonly guard?: DestinationGuard) {}

  async call(request: HttpRequestSpec): Promise<EffectResult> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const elapsed = () => Date.now() - started;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { kind: 'http', startedAt, durationMs: 0, error: { code: 'network', message: `Invalid URL ${request.url}` } };
    }
    const refusal = await this.guard?.check(url);
    if (refusal) return { kind: 'http', startedAt, durationMs: elapsed(), error: { code: 'refused', message: refusal } };

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      const response = await fetch(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
        redirect: 'follow',
      });
      const text = await readCapped(response);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        headers[key] = value;
      });
      return { kind: 'http', startedAt, durationMs: elapsed(), response: { status: response.status, headers, body: parseBody(text, headers['content-type']) } };
    } catch (error) {
      const timedOut = controller.signal.aborted;
      return {
        kind: 'http', startedAt, durationMs: elapsed(),
        error: timedOut
          ? { code: 'timeout', message: `No response within ${request.timeoutMs} ms` }
          : { code: 'network', message: describe(error) },
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readCapped(response: Response): Promise<string> {
  const buffer = Buffer.from(await response.arrayBuffer());
  return buffer.subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return null;
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
