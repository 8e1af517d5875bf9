import jsonata from 'jsonata';

/** Default wall-time limit of one evaluation, in ms. */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 1000;
/**
 * Default limit on nested evaluation frames. Each JSONata function call costs
 * about three frames, so 2000 allows ~650 levels of non-tail recursion while
 * staying far below the JavaScript stack limit.
 */
export const DEFAULT_EXPRESSION_MAX_DEPTH = 2000;

/** Limits applied to one evaluation. */
export interface ExpressionOptions {
  /** Wall-time limit, in ms. */
  timeoutMs?: number;
  /** Maximum nesting of evaluation frames. */
  maxDepth?: number;
}

export type ExpressionResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Compiled expressions keyed by limits and source. JSONata takes its
 * guardrails at compile time, so the limits are part of the key. Bounded so
 * that a stream of distinct expressions cannot grow memory without limit.
 */
const cache = new Map<string, jsonata.Expression>();
const CACHE_LIMIT = 1000;

function compile(source: string, timeoutMs: number, maxDepth: number): jsonata.Expression {
  const key = `${timeoutMs}|${maxDepth}|${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  // jsonata's own guardrails run on every evaluation frame (the same place the
  // __evaluate_entry hook fires), so they interrupt microtask-heavy loops and
  // runaway recursion that a setTimeout could never pre-empt.
  const expression = jsonata(source, { timeout: timeoutMs, stack: maxDepth });
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, expression);
  return expression;
}

/** Human-readable message of a JSONata (or other) error, with its position when known. */
export function describeExpressionError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const record = error as { message?: unknown; position?: unknown; code?: unknown };
    const message = typeof record.message === 'string' ? record.message : String(record.code ?? 'unknown error');
    return typeof record.position === 'number' && record.position > 0 ? `${message} (at ${record.position})` : message;
  }
  return String(error);
}

/**
 * Checks that `source` parses as JSONata.
 * @returns the parse error message, or undefined when the expression is valid.
 */
export function parseExpression(source: string): string | undefined {
  try {
    compile(source, DEFAULT_EXPRESSION_TIMEOUT_MS, DEFAULT_EXPRESSION_MAX_DEPTH);
    return undefined;
  } catch (error) {
    return describeExpressionError(error);
  }
}

/**
 * Evaluates a JSONata expression with a time and depth limit. Failures
 * (parse errors, runtime errors, limits exceeded) are values, never throws.
 * JSONata sequences are normalised to plain arrays so outputs serialise as JSON.
 */
export async function evaluateExpression(
  source: string,
  context: unknown,
  options: ExpressionOptions = {},
): Promise<ExpressionResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS;
  const maxDepth = options.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH;
  let expression: jsonata.Expression;
  try {
    expression = compile(source, timeoutMs, maxDepth);
  } catch (error) {
    return { ok: false, error: describeExpressionError(error) };
  }
  try {
    const value: unknown = await expression.evaluate(context);
    return { ok: true, value: toPlainJson(value) };
  } catch (error) {
    return { ok: false, error: describeExpressionError(error) };
  }
}

/** Strips JSONata's sequence markers and functions so the value is plain JSON data. */
function toPlainJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return undefined;
  if (Array.isArray(value)) return value.map((item) => toPlainJson(item) ?? null);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const plain = toPlainJson(item);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  return value;
}
