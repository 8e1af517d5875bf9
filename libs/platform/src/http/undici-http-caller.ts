import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { MAX_HTTP_REDIRECTS, SECRET_REFERENCE, type EffectResult, type HttpEffectErrorCode, type HttpRequestSpec } from '@sluice/engine';
import type { HttpCaller } from '@sluice/runtime';
import { DestinationRefusedError, type PrivateAddressGuard } from './private-address.guard';

export interface UndiciHttpCallerOptions {
  /**
   * Largest response body kept, after decompression, in bytes (the step
   * output limit, SLUICE_MAX_STEP_OUTPUT). Past it the attempt fails with the
   * final `output_too_large`.
   */
  maxBodyBytes: number;
  /** Values for `{{secret.NAME}}` references in header values, by NAME. */
  secrets?: Readonly<Record<string, string>>;
  /** Refuses non-public destinations; absent when SLUICE_HTTP_ALLOW_PRIVATE is true. */
  guard?: PrivateAddressGuard;
  /** Most redirects followed per attempt (default {@link MAX_HTTP_REDIRECTS}). */
  maxRedirects?: number;
}

/** Statuses whose `Location` is followed. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that go only to the origin they were written for: dropped when a redirect leaves it. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];
/** Headers that describe a request body: dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
/** Bytes of a redirect's body read to keep its connection reusable; a longer body closes the connection instead. */
const REDIRECT_BODY_DUMP_BYTES = 64 * 1024;
/** Most content codings decoded in a row; more is refused as a decompression bomb in disguise. */
const MAX_CONTENT_CODINGS = 3;
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** An attempt that ended without a usable response; `code` is what the step records. */
class CallError extends Error {
  constructor(readonly code: HttpEffectErrorCode, message: string) {
    super(message);
    this.name = 'CallError';
  }
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * The `http` node's caller over one undici `Agent`: connections are kept
 * alive and pooled per origin, and — unless SLUICE_HTTP_ALLOW_PRIVATE — every
 * connection resolves its host through the private-address guard's lookup,
 * so the address checked is the address connected to. Redirects are followed
 * by hand (at most {@link MAX_HTTP_REDIRECTS}), each hop checked the same way.
 * The body is streamed through decompression with a byte counter and the
 * attempt ends as soon as it passes the step output limit. Header values'
 * `{{secret.NAME}}` references are resolved here, at call time, and the
 * values never leave this class: errors carry no request headers.
 */
export class UndiciHttpCaller implements HttpCaller {
  private readonly agent: Agent;
  private readonly secrets: Readonly<Record<string, string>>;
  private readonly maxRedirects: number;

  constructor(private readonly options: UndiciHttpCallerOptions) {
    const { guard } = options;
    const connect = buildConnector(guard ? { lookup: guard.lookup } : {});
    this.agent = new Agent({ connect: guard ? guard.connector(connect) : connect });
    this.secrets = options.secrets ?? {};
    this.maxRedirects = options.maxRedirects ?? MAX_HTTP_REDIRECTS;
  }

  async call(request: HttpRequestSpec): Promise<EffectResult> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const failed = (code: HttpEffectErrorCode, message: string): EffectResult => ({
      kind: 'http', startedAt, durationMs: Date.now() - started, error: { code, message },
    });
    const resolved = this.resolveSecrets(request.headers);
    if ('missing' in resolved) return failed('secret_missing', resolved.missing);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return failed('network', `Invalid URL ${request.url}`);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      const headers = withDefaults(resolved.headers);
      const response = await this.follow({ url, method: request.method, headers, body: request.body }, resolved.secretHeaders, controller.signal);
      return { kind: 'http', startedAt, durationMs: Date.now() - started, response };
    } catch (error) {
      if (controller.signal.aborted) return failed('timeout', `No response within ${request.timeoutMs} ms`);
      const { code, message } = classifyError(error);
      return failed(code, redact(message, resolved.used));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for requests in flight, then closes every pooled connection. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Sends the request, following up to `maxRedirects` redirects, each hop checked before it connects. */
  private async follow(first: Hop, secretHeaders: ReadonlySet<string>, signal: AbortSignal): Promise<NonNullable<EffectResult['response']>> {
    let hop = first;
    for (let redirects = 0; ; redirects += 1) {
      const refusal = this.options.guard?.refusalFor(hop.url.hostname);
      if (refusal) throw refusal;
      const response = await this.agent.request({
        origin: hop.url.origin,
        path: `${hop.url.pathname}${hop.url.search}`,
        method: hop.method as Dispatcher.HttpMethod,
        headers: hop.headers,
        body: hop.body,
        signal,
      });
      const location = headerText(response.headers['location']);
      if (!REDIRECT_STATUSES.has(response.statusCode) || location === undefined) {
        const headers = flattenHeaders(response.headers);
        const raw = await readCapped(response.body, headers['content-encoding'], this.options.maxBodyBytes);
        return { status: response.statusCode, headers, body: parseBody(raw.toString('utf8'), headers['content-type']) };
      }
      await response.body.dump({ limit: REDIRECT_BODY_DUMP_BYTES, signal }).catch(() => undefined);
      if (redirects >= this.maxRedirects) {
        throw new CallError('too_many_redirects', `More than ${this.maxRedirects} redirects; the last one pointed to ${describeUrl(location, hop.url)}`);
      }
      hop = nextHop(hop, response.statusCode, location, secretHeaders);
    }
  }

  /** Header values with `{{secret.NAME}}` replaced, which headers held one, and the values used (for redaction). */
  private resolveSecrets(headers: Record<string, string>):
    | { headers: Record<string, string>; secretHeaders: Set<string>; used: Map<string, string> }
    | { missing: string } {
    const resolved: Record<string, string> = {};
    const secretHeaders = new Set<string>();
    const used = new Map<string, string>();
    for (const [name, template] of Object.entries(headers)) {
      let missing: string | undefined;
      resolved[name] = template.replace(SECRET_REFERENCE, (_reference, secret: string) => {
        const value = this.secrets[secret];
        if (value === undefined) {
          missing ??= secret;
          return '';
        }
        secretHeaders.add(name.toLowerCase());
        used.set(secret, value);
        return value;
      });
      if (missing !== undefined) {
        return { missing: `Header "${name}" refers to secret ${missing}, which is not set (SLUICE_SECRET_${missing})` };
      }
    }
    return { headers: resolved, secretHeaders, used };
  }
}

/**
 * The request for a redirect's target. 303, and 301/302 after a POST, become
 * a GET without body (as browsers do); 307/308 keep method and body. Leaving
 * the origin drops credentials and every header that held a secret.
 */
function nextHop(hop: Hop, status: number, location: string, secretHeaders: ReadonlySet<string>): Hop {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new CallError('network', `Redirect to an invalid Location: ${location.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CallError('refused', `Redirect to a ${url.protocol} URL is not followed; only http and https are`);
  }
  const toGet = (status === 303 && hop.method !== 'GET') || ((status === 301 || status === 302) && hop.method === 'POST');
  const dropped = new Set<string>(toGet ? BODY_HEADERS : []);
  if (url.origin !== hop.url.origin) {
    for (const name of ORIGIN_BOUND_HEADERS) dropped.add(name);
    for (const name of secretHeaders) dropped.add(name);
  }
  const headers = Object.fromEntries(Object.entries(hop.headers).filter(([name]) => !dropped.has(name.toLowerCase())));
  return { url, method: toGet ? 'GET' : hop.method, headers, body: toGet ? undefined : hop.body };
}

/**
 * Reads a body through its content decoders, counting decompressed bytes;
 * stops and destroys the stream (closing the connection) as soon as the count
 * passes `limit`, so a compression bomb costs at most `limit` bytes.
 */
async function readCapped(body: Readable, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const codings = (contentEncoding ?? '').split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > MAX_CONTENT_CODINGS) {
    body.destroy();
    throw new CallError('network', `Response has ${codings.length} content codings; at most ${MAX_CONTENT_CODINGS} are decoded`);
  }
  // Codings are listed in the order they were applied, so they are undone from the last one.
  const decoders = codings.reverse().flatMap((coding) => {
    const create = DECODERS[coding];
    return create ? [create()] : [];
  });
  const source: Readable = decoders.length === 0 ? body : (pipeline([body, ...decoders], () => undefined) as unknown as Readable);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        throw new CallError('output_too_large', `Response body passed the step output limit of ${limit} bytes (SLUICE_MAX_STEP_OUTPUT), counted after decompression`);
      }
      chunks.push(chunk);
    }
  } finally {
    if (size > limit || !source.readableEnded) {
      source.destroy();
      body.destroy();
    }
  }
  return Buffer.concat(chunks, size);
}

function withDefaults(headers: Record<string, string>): Record<string, string> {
  const names = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  return {
    ...(names.has('accept-encoding') ? {} : { 'accept-encoding': 'gzip, deflate, br' }),
    ...(names.has('user-agent') ? {} : { 'user-agent': 'Sluice' }),
    ...headers,
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Response headers as lower-case names to single strings; repeated headers are joined with ", ". */
function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
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

function describeUrl(location: string, base: URL): string {
  try {
    const url = new URL(location, base);
    return `${url.origin}${url.pathname}`;
  } catch {
    return location.slice(0, 200);
  }
}

/** The code and message an error means for the step: a refusal anywhere in its causes is `refused`. */
function classifyError(error: unknown): { code: HttpEffectErrorCode; message: string } {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    if (cause instanceof DestinationRefusedError) return { code: 'refused', message: cause.message };
    if (cause instanceof CallError) return { code: cause.code, message: cause.message };
  }
  return { code: 'network', message: describe(error) };
}

/** An error's message and its cause's, never request headers. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

/** Replaces any resolved secret value in a message by its reference, should a transport error ever quote one. */
function redact(message: string, used: ReadonlyMap<string, string>): string {
  let text = message;
  for (const [name, value] of used) if (value.length > 0) text = text.split(value).join(`{{secret.${name}}}`);
  return text;
}
