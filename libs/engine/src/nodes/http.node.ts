import type { HttpMethod, StepError } from '@sluice/contracts';
import { evaluateExpression } from '../expressions/evaluate-expression';
import { expressionField, requiredString } from './field-checks';
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  type EffectResult,
  HTTP_METHODS,
  MAX_HTTP_TIMEOUT_MS,
  RETRYABLE_HTTP_EFFECT_ERRORS,
  SECRET_REFERENCE,
  UNSTORED_RESPONSE_HEADERS,
} from './http-exchange';
import { expressionError, type NodeDefinition, type StepOutcome } from './node-definition';

/** Longest excerpt of a response body quoted in an error message, in characters. */
const BODY_EXCERPT_LENGTH = 200;

/**
 * Processes the event by calling a URL. The url is a literal absolute
 * http(s) URL; the body is a JSONata expression whose result is sent as JSON.
 * `timeoutMs` may be omitted (editors add the node before it is configured)
 * and then defaults to {@link DEFAULT_HTTP_TIMEOUT_MS}. Header values may
 * refer to secrets as `{{secret.NAME}}`; the graph keeps the reference and
 * the runtime puts the value in when it sends the request.
 */
export const httpNode: NodeDefinition = {
  type: 'http',
  entry: false,
  inline: false,
  outHandles: [null, 'error'],
  validate(data) {
    const problems: string[] = [];
    const missingUrl = requiredString(data, 'url', 'a url');
    if (missingUrl) problems.push(missingUrl);
    else if (!isHttpUrl(data['url'] as string)) problems.push(`url "${String(data['url'])}" must be an absolute http or https URL`);
    const method = data['method'];
    if (method === undefined || method === null || method === '') problems.push('needs a method');
    else if (!HTTP_METHODS.includes(method as HttpMethod)) problems.push(`method must be one of ${HTTP_METHODS.join(', ')}`);
    const headers = data['headers'];
    if (headers !== undefined && headers !== null) {
      if (typeof headers !== 'object' || Array.isArray(headers)) problems.push('headers must be an object of strings');
      else if (Object.values(headers).some((value) => typeof value !== 'string')) problems.push('every header value must be a string');
      else problems.push(...malformedHeaders(headers as Record<string, string>), ...malformedSecretReferences(headers as Record<string, string>));
    }
    problems.push(...expressionField(data, 'body', 'a body', false));
    const timeoutMs = data['timeoutMs'];
    if (timeoutMs !== undefined && timeoutMs !== null) {
      if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_HTTP_TIMEOUT_MS) {
        problems.push(`timeoutMs must be an integer from 1 to ${MAX_HTTP_TIMEOUT_MS}`);
      }
    }
    return problems;
  },
  behaviour: {
    kind: 'http',
    async request(ctx) {
      const data = ctx.node.data;
      const headers: Record<string, string> = { ...((data['headers'] as Record<string, string> | undefined) ?? {}) };
      let body: string | undefined;
      const bodySource = data['body'];
      if (typeof bodySource === 'string' && bodySource.trim() !== '') {
        const result = await evaluateExpression(bodySource, ctx.scope);
        if (!result.ok) return { ok: false, error: expressionError(`Node "${ctx.node.id}" (http) body`, result.error) };
        if (result.value !== undefined) {
          body = JSON.stringify(result.value);
          if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
            headers['content-type'] = 'application/json';
          }
        }
      }
      const timeoutMs = typeof data['timeoutMs'] === 'number' ? data['timeoutMs'] : DEFAULT_HTTP_TIMEOUT_MS;
      return {
        ok: true,
        request: { url: String(data['url']), method: data['method'] as HttpMethod, headers, timeoutMs, ...(body === undefined ? {} : { body }) },
      };
    },
    settle: classifyHttpEffect,
  },
};

/**
 * Classification (docs/flow-model.md): network errors, timeouts, 408, 429 and 5xx are
 * retryable (honouring `Retry-After`); other 4xx are final; 2xx/3xx succeed.
 * A refused destination, too many redirects, a body past the step output
 * limit and a missing secret are final: no retry can change them. A success's
 * output drops session cookies and echoed credentials from the headers.
 */
export function classifyHttpEffect(effect: EffectResult, now: Date): StepOutcome {
  const response = effect.response;
  if (!response) {
    const code = effect.error?.code ?? 'network';
    return { kind: 'failed', error: { code, message: effect.error?.message ?? 'no response', retryable: RETRYABLE_HTTP_EFFECT_ERRORS.has(code) } };
  }
  const { status } = response;
  if (status >= 200 && status < 400) {
    return { kind: 'succeeded', output: { status, headers: storedHeaders(response.headers), body: response.body }, handle: null };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const error: StepError = { code: 'http_status', message: `HTTP ${status}${excerpt(response.body)}`, status, retryable };
  const retryAfterMs = retryable ? parseRetryAfter(headerValue(response.headers, 'retry-after'), now) : undefined;
  return { kind: 'failed', error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** `Retry-After` as delay-seconds or an HTTP-date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date always names a weekday and month; this keeps Date.parse from reading "-5" as a year.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** Response headers without the ones a step's output never keeps ({@link UNSTORED_RESPONSE_HEADERS}). */
function storedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !UNSTORED_RESPONSE_HEADERS.has(name.toLowerCase())));
}

/** Header values that look like a secret reference but are not `{{secret.NAME}}`. */
/** An HTTP header name: a token of RFC 9110 §5.6.2. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A header value may hold visible characters, spaces and tabs, but no CR, LF
 * or other controls (RFC 9110 §5.5); like Node's HTTP stack, only Latin-1 text.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers no HTTP client could send: refused on save rather than failing every attempt at call time. */
function malformedHeaders(headers: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) problems.push(`header name "${name.slice(0, 100)}" is not a valid HTTP header name`);
    else if (!HEADER_VALUE.test(value)) problems.push(`header "${name}" has a line break, a control character or a character outside Latin-1 in its value`);
  }
  return problems;
}

function malformedSecretReferences(headers: Record<string, string>): string[] {
  return Object.entries(headers)
    .filter(([, value]) => /\{\{\s*secrets?\b/i.test(value.replace(SECRET_REFERENCE, '')))
    .map(([name]) => `header "${name}" has a malformed secret reference; write {{secret.NAME}}, NAME of letters, digits and _`);
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function excerpt(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > BODY_EXCERPT_LENGTH ? `${text.slice(0, BODY_EXCERPT_LENGTH)}…` : text}`;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
