import type { StepOutcome } from '../nodes/node-definition';

/** Largest step output, as UTF-8 JSON, when the runtime sets no limit: 1 MiB. */
export const DEFAULT_MAX_STEP_OUTPUT_BYTES = 1024 * 1024;

/**
 * The outcome to record for a step: a success whose output, serialised as
 * JSON, is larger than `limit` bytes becomes a final `output_too_large`
 * failure naming the node and the limit (SLUICE_MAX_STEP_OUTPUT); anything
 * else is returned as it is.
 */
export function capStepOutput(outcome: StepOutcome, nodeId: string, limit: number): StepOutcome {
  if (outcome.kind !== 'succeeded' || !jsonLongerThan(outcome.output, limit)) return outcome;
  return {
    kind: 'failed',
    error: {
      code: 'output_too_large',
      message: `Step "${nodeId}" produced an output larger than the step output limit of ${limit} bytes as JSON (SLUICE_MAX_STEP_OUTPUT)`,
      retryable: false,
    },
  };
}

/**
 * True when `JSON.stringify(value)` would take more than `limit` bytes of
 * UTF-8. Walks the value without building the string and stops as soon as
 * the count passes the limit, so a huge output costs no more than the limit
 * to reject (and a cyclic one cannot loop forever).
 */
export function jsonLongerThan(value: unknown, limit: number): boolean {
  let size = 0;
  // Each entry is a value to measure, or a literal byte count for punctuation.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    if (size > limit) return true;
    const item = pending.pop();
    if (item instanceof Punctuation) {
      size += item.bytes;
      continue;
    }
    size += measure(item, pending, limit - size);
  }
  return size > limit;
}

/** A byte count for JSON punctuation (brackets, commas, colons) queued between values. */
class Punctuation {
  constructor(readonly bytes: number) {}
}
const ONE = new Punctuation(1);

/** Bytes of a scalar; for containers, queues their parts and returns the bytes of the opening bracket. */
function measure(value: unknown, pending: unknown[], budget: number): number {
  const json = toJsonValue(value);
  switch (typeof json) {
    case 'string':
      return stringBytes(json, budget);
    case 'number':
      return Number.isFinite(json) ? String(json).length : 4;
    case 'boolean':
      return json ? 4 : 5;
    case 'bigint':
      return String(json).length;
    case 'object': {
      if (json === null) return 4;
      if (Array.isArray(json)) {
        pending.push(ONE);
        for (let index = json.length - 1; index >= 0; index -= 1) {
          const element: unknown = json[index];
          pending.push(omitted(element) ? null : element);
          if (index > 0) pending.push(ONE);
        }
        return 1;
      }
      pending.push(ONE);
      let first = true;
      for (const [key, entry] of Object.entries(json)) {
        if (omitted(entry)) continue;
        pending.push(entry, ONE, new Punctuation(stringBytes(key, budget) + (first ? 0 : 1)));
        first = false;
      }
      return 1;
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

/** UTF-8 bytes of a JSON string literal, quotes and escapes included; stops counting once past `budget`. */
function stringBytes(text: string, budget: number): number {
  // Every UTF-16 unit takes at least one byte, so a longer string is over budget without a closer look.
  if (text.length + 2 > budget) return text.length + 2;
  let bytes = 2;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x22 || code === 0x5c || code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) bytes += 2;
    else if (code < 0x20) bytes += 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 6; // a lone surrogate is written as \uXXXX
    else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
