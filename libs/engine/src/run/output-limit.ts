import type { StepError } from '@sluice/contracts';
import type { StepOutcome } from '../nodes/node-definition';

/** Largest step output, as UTF-8 JSON, when the runtime sets no limit: 1 MiB. */
export const DEFAULT_MAX_STEP_OUTPUT_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a step output may have, in levels.
 * The output is stored a few levels further down, inside history events and
 * the run's state; a PostgreSQL server parses about 10,000 levels of jsonb
 * before its stack runs out, embedded PGlite fewer, and JSON request bodies
 * and expression results stop at 1000 already (SLUICE_MAX_JSON_DEPTH).
 */
export const MAX_STORED_DEPTH = 1000;

/** Why a JSON value cannot be stored: PostgreSQL's jsonb and text refuse both characters. */
export type UnstorableReason = 'nul' | 'lone_surrogate' | 'too_deep';

/**
 * The outcome to record for a step:
 * - a success whose output, serialised as JSON, is larger than `limit`
 *   bytes becomes a final `output_too_large` failure naming the node and
 *   the limit (SLUICE_MAX_STEP_OUTPUT);
 * - a success whose output the store cannot hold (NUL in a string or key, a
 *   lone UTF-16 surrogate, nesting past {@link MAX_STORED_DEPTH}) becomes a
 *   final `output_unstorable` failure saying why and where, so that the step
 *   fails once instead of failing its commit on every delivery;
 * - a failure keeps its place, with any such character in its error replaced
 *   by U+FFFD (an http error quotes the response body);
 * - anything else is returned as it is.
 *
 * One walk over the output, which stops at the first problem: it runs for
 * every step.
 */
export function capStepOutput(outcome: StepOutcome, nodeId: string, limit: number): StepOutcome {
  if (outcome.kind === 'failed') {
    const error = storableError(outcome.error);
    return error === outcome.error ? outcome : { ...outcome, error };
  }
  const verdict = inspectJson(outcome.output, limit, MAX_STORED_DEPTH);
  if (verdict === undefined) return outcome;
  if (verdict === 'too_large') {
    return failure('output_too_large', `Step "${nodeId}" produced an output larger than the step output limit of ${limit} bytes as JSON (SLUICE_MAX_STEP_OUTPUT)`);
  }
  return failure('output_unstorable', `Step "${nodeId}" produced an output that cannot be stored: ${describeProblem(outcome.output, verdict)}`);
}

function failure(code: string, message: string): StepOutcome {
  return { kind: 'failed', error: { code, message, retryable: false } };
}

/** A UTF-16 surrogate without its partner. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** NUL, or a lone surrogate: text that PostgreSQL cannot store. */
const UNSTORABLE_TEXT = new RegExp(`\\u0000|${LONE_SURROGATE.source}`);
const UNSTORABLE_TEXT_ALL = new RegExp(UNSTORABLE_TEXT.source, 'g');

/** `text` with every NUL and lone surrogate replaced by U+FFFD; the same string when it has none. */
export function storableText(text: string): string {
  return UNSTORABLE_TEXT.test(text) ? text.replace(UNSTORABLE_TEXT_ALL, '\ufffd') : text;
}

/** The error with its code and message made storable; the same object when they already are. */
export function storableError(error: StepError): StepError {
  const code = storableText(error.code);
  const message = storableText(error.message);
  return code === error.code && message === error.message ? error : { ...error, code, message };
}

/**
 * True when `JSON.stringify(value)` would take more than `limit` bytes of
 * UTF-8. Walks the value without building the string and stops as soon as
 * the count passes the limit, so a huge output costs no more than the limit
 * to reject (and a cyclic one cannot loop forever).
 */
export function jsonLongerThan(value: unknown, limit: number): boolean {
  return inspectJson(value, limit, Number.POSITIVE_INFINITY) === 'too_large';
}

/**
 * Whether the store can hold `value` as JSON: undefined when it can,
 * `too_large` past `limit` bytes of UTF-8 JSON, or the first reason it
 * cannot ({@link UnstorableReason}). Walks the value without building the
 * string, iteratively (the depth of the value never decides the depth of the
 * stack), and stops at the first problem.
 */
export function inspectJson(value: unknown, limit: number, maxDepth: number): 'too_large' | UnstorableReason | undefined {
  const walk: Walk = { size: 0, depth: 0, problem: undefined };
  // Values still to measure, and a CLOSE marker where a container ends. Punctuation and keys are
  // counted when their container is opened: the total is the same, and an early stop stays right.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    if (walk.size > limit) return 'too_large';
    if (walk.problem !== undefined) return walk.problem;
    const item = pending.pop();
    if (item === CLOSE) {
      walk.depth -= 1;
      continue;
    }
    walk.size += measure(item, pending, limit - walk.size, walk);
    if (walk.depth > maxDepth) return 'too_deep';
  }
  if (walk.size > limit) return 'too_large';
  return walk.problem;
}

/** The state of one walk: bytes so far, containers open, and the first text problem found. */
interface Walk {
  size: number;
  depth: number;
  problem: 'nul' | 'lone_surrogate' | undefined;
}

/** Marks the end of an array or object on the walk's stack: one level up. */
const CLOSE = Symbol('close');

/**
 * Bytes of a scalar; for a container, queues its values and returns the
 * bytes of its brackets, commas, colons and keys.
 */
function measure(value: unknown, pending: unknown[], budget: number, walk: Walk): number {
  const json = toJsonValue(value);
  switch (typeof json) {
    case 'string':
      return stringBytes(json, budget, walk);
    case 'number':
      return Number.isFinite(json) ? String(json).length : 4;
    case 'boolean':
      return json ? 4 : 5;
    case 'bigint':
      return String(json).length;
    case 'object': {
      if (json === null) return 4;
      walk.depth += 1;
      pending.push(CLOSE);
      if (Array.isArray(json)) {
        for (let index = json.length - 1; index >= 0; index -= 1) {
          const element: unknown = json[index];
          pending.push(omitted(element) ? null : element);
        }
        return 2 + Math.max(0, json.length - 1);
      }
      let bytes = 2;
      let kept = 0;
      for (const key in json) {
        if (!Object.prototype.hasOwnProperty.call(json, key)) continue;
        const entry: unknown = (json as Record<string, unknown>)[key];
        if (omitted(entry)) continue;
        pending.push(entry);
        bytes += stringBytes(key, budget - bytes, walk) + 1;
        kept += 1;
      }
      return bytes + Math.max(0, kept - 1);
    }
    default:
      return 4; // undefined, functions and symbols at the top level serialise as nothing; count them as null
  }
}

function toJsonValue(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}

function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * UTF-8 bytes of a JSON string literal, quotes and escapes included; stops
 * counting once past `budget`. Notes a NUL or a lone surrogate in `walk`.
 */
function stringBytes(text: string, budget: number, walk: Walk): number {
  // Every UTF-16 unit takes at least one byte, so a longer string is over budget without a closer look.
  if (text.length + 2 > budget) return text.length + 2;
  if (PLAIN_ASCII.test(text)) return text.length + 2;
  let bytes = 2;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x22 || code === 0x5c || code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) bytes += 2;
    else if (code < 0x20) {
      bytes += 6;
      if (code === 0) walk.problem ??= 'nul';
    } else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      bytes += 6; // a lone surrogate is written as \uXXXX
      walk.problem ??= 'lone_surrogate';
    } else bytes += 3;
  }
  return bytes;
}

/** Text JSON writes as it is, one byte per character: printable ASCII but `"` and `\\`. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const PROBLEM_TEXT: Record<Exclude<UnstorableReason, 'too_deep'>, string> = {
  nul: 'a NUL character (\\u0000), which PostgreSQL cannot store',
  lone_surrogate: 'a lone UTF-16 surrogate (half of a pair, not a character), which PostgreSQL cannot store',
};

/**
 * Says where the problem the walk found is, for the error message: the path
 * of the first string or key holding it, or the nesting limit. Runs only once
 * a step has already failed, so it may walk the value a second time.
 */
function describeProblem(value: unknown, reason: UnstorableReason): string {
  if (reason === 'too_deep') return `it is nested deeper than ${MAX_STORED_DEPTH} levels of arrays and objects`;
  const holds = (text: string): boolean => (reason === 'nul' ? text.includes('\u0000') : LONE_SURROGATE.test(text));
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const json = toJsonValue(item.value);
    if (typeof json === 'string') {
      if (holds(json)) return `${item.path === '' ? 'the output' : `the string at ${item.path}`} holds ${PROBLEM_TEXT[reason]}`;
    } else if (typeof json === 'object' && json !== null && item.depth < MAX_STORED_DEPTH) {
      const entries = Array.isArray(json) ? json.map((element, index) => [`[${index}]`, element] as const) : Object.entries(json);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, element] = entries[index] as readonly [string, unknown];
        const path = Array.isArray(json) ? `${item.path}${key}` : childPath(item.path, key);
        if (!Array.isArray(json) && holds(key)) return `the key ${path} holds ${PROBLEM_TEXT[reason]}`;
        stack.push({ value: element, path, depth: item.depth + 1 });
      }
    }
  }
  return PROBLEM_TEXT[reason];
}

/** `parent.key`, or `parent["key"]` with the key quoted (escapes keep NUL and surrogates out of the message). */
function childPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$]{0,39}$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
}
