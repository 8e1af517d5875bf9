import jsonata from 'jsonata';
import { BUDGET_BINDING, budgetOfFrame, type Frame, registerBoundedFunctions } from './bounded-functions';
import { EvaluationBudget, type FrameNode } from './evaluation-budget';
import {
  type ExpressionLimit,
  ExpressionLimitExceeded,
  type ExpressionLimits,
  type ExpressionOptions,
  limitMessage,
  MAX_RESULT_NESTING,
  resolveLimits,
} from './expression-limits';
import { describeRegexProblem, LinearRegExp } from './linear-regex';

export {
  DEFAULT_EXPRESSION_MAX_DEPTH,
  DEFAULT_EXPRESSION_MAX_ITEMS,
  DEFAULT_EXPRESSION_MAX_STRING_LENGTH,
  DEFAULT_EXPRESSION_MEMORY_BYTES,
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  type ExpressionLimit,
  type ExpressionOptions,
} from './expression-limits';

export type ExpressionResult =
  | { ok: true; value: unknown }
  | {
      ok: false;
      /** What went wrong; for a limit, a sentence naming it ("exceeded the 1,000 ms time limit"). */
      error: string;
      /** Set when the evaluation stopped at one of its limits. */
      limit?: ExpressionLimit;
    };

/** JSONata calls this with the AST node and result of every evaluation frame. */
const FRAME_EXIT = Symbol.for('jsonata.__evaluate_exit');

/** After an evaluation that held the event loop this long (ms), let other work run before the next one starts. */
const YIELD_AFTER_MS = 20;

/**
 * Compiled expressions keyed by limits and source. JSONata takes its
 * guardrails at compile time, so the limits are part of the key. Bounded so
 * that a stream of distinct expressions cannot grow memory without limit.
 */
const cache = new Map<string, jsonata.Expression>();
const CACHE_LIMIT = 1000;

/**
 * Compiles `source` with every bound Sluice puts on JSONata:
 * - JSONata's own guardrails, checked on every evaluation frame: wall time
 *   (`timeout`), frame depth (`stack`) and sequence length (`sequence`, which
 *   also caps the range operator before it allocates);
 * - regex literals run on RE2 (`RegexEngine`), linear in the input;
 * - bounded replacements for the built-ins whose own cost is not linear or
 *   not checked ($sort, $distinct, $match, $replace, $split, $join, $pad,
 *   $string, picture functions; $eval is disabled);
 * - an exit hook that hands every frame's result to the evaluation's budget
 *   (item, string and memory caps).
 */
function compile(source: string, limits: ExpressionLimits): jsonata.Expression {
  const key = `${limits.timeoutMs}|${limits.maxDepth}|${limits.maxItems}|${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const expression = jsonata(source, {
    timeout: limits.timeoutMs,
    stack: limits.maxDepth,
    sequence: limits.maxItems,
    RegexEngine: LinearRegExp as unknown as RegExpConstructor,
  });
  registerBoundedFunctions(expression);
  expression.assign(FRAME_EXIT as unknown as string, observeFrame);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, expression);
  return expression;
}

/** The exit hook: the budget of this evaluation sees the frame's result. */
function observeFrame(node: FrameNode, _input: unknown, frame: Frame, result: unknown): void {
  budgetOfFrame(frame)?.observe(node, result);
}

/**
 * Longest error message kept, in characters: JSONata quotes the offending
 * value in its messages, and `$error` takes any string, but step errors are
 * stored and shown in history, runs and dead letters.
 */
const MAX_ERROR_MESSAGE_LENGTH = 1000;

/** Human-readable message of a JSONata (or other) error, with its position when known. */
export function describeExpressionError(error: unknown): string {
  let message: string;
  if (typeof error === 'object' && error !== null) {
    const record = error as { message?: unknown; position?: unknown; code?: unknown };
    message = typeof record.message === 'string' ? record.message : String(record.code ?? 'unknown error');
    if (message.length > MAX_ERROR_MESSAGE_LENGTH) message = `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH)}…`;
    if (typeof record.position === 'number' && record.position > 0) message = `${message} (at ${record.position})`;
  } else {
    message = String(error);
    if (message.length > MAX_ERROR_MESSAGE_LENGTH) message = `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH)}…`;
  }
  return message;
}

/** JSONata's own guardrail errors, by code, and the limit each one is. */
const JSONATA_LIMITS: Record<string, ExpressionLimit> = { D1011: 'depth', D1012: 'time', D2014: 'items', D2015: 'items' };

function failure(error: unknown, budget: EvaluationBudget): ExpressionResult {
  if (budget.breach) return { ok: false, error: budget.breach.message, limit: budget.breach.limit };
  if (error instanceof ExpressionLimitExceeded) return { ok: false, error: error.message, limit: error.limit };
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const limit = typeof code === 'string' ? JSONATA_LIMITS[code] : undefined;
  if (limit) return { ok: false, error: limitMessage(limit, budget.limits), limit };
  return { ok: false, error: describeExpressionError(error) };
}

/**
 * Checks that `source` parses as JSONata and that its regular expressions
 * can run on RE2.
 * @returns the error message, or undefined when the expression is valid.
 */
export function parseExpression(source: string): string | undefined {
  try {
    return findRegexProblem(compile(source, resolveLimits()).ast());
  } catch (error) {
    return describeExpressionError(error);
  }
}

/** The first regex literal in `ast` that RE2 cannot run, described; undefined when there is none. */
function findRegexProblem(ast: unknown): string | undefined {
  const pending: unknown[] = [ast];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      const problem = describeRegexProblem(node);
      if (problem) return problem;
      continue;
    }
    pending.push(...(Array.isArray(node) ? node : Object.values(node)));
  }
  return undefined;
}

/**
 * Evaluates a JSONata expression within its limits (time, frame depth, items
 * per array, string length, memory; see {@link ExpressionOptions}). Failures
 * (parse errors, runtime errors, limits passed) are values, never throws.
 * JSONata sequences are normalised to plain arrays so outputs serialise as JSON.
 */
export async function evaluateExpression(source: string, context: unknown, options: ExpressionOptions = {}): Promise<ExpressionResult> {
  const limits = resolveLimits(options);
  let expression: jsonata.Expression;
  try {
    expression = compile(source, limits);
  } catch (error) {
    return { ok: false, error: describeExpressionError(error) };
  }
  const budget = new EvaluationBudget(limits);
  try {
    const value: unknown = await expression.evaluate(context, { [BUDGET_BINDING]: budget });
    if (budget.breach) throw budget.breach;
    return { ok: true, value: toPlainJson(value, 0) };
  } catch (error) {
    return failure(error, budget);
  } finally {
    budget.release();
    // An evaluation runs on microtasks and holds the event loop until it ends;
    // after a long one, let timers and I/O (health probes, other requests) in.
    if (Date.now() - budget.startedAt >= YIELD_AFTER_MS) await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

/** Strips JSONata's sequence markers and functions so the value is plain JSON data. */
function toPlainJson(value: unknown, depth: number): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_RESULT_NESTING) throw new ExpressionLimitExceeded('nesting', limitMessage('nesting', resolveLimits()));
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  if (marked._jsonata_lambda === true || marked._jsonata_function === true) return undefined;
  if (Array.isArray(value)) return value.map((item) => toPlainJson(item, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const plain = toPlainJson(item, depth + 1);
    if (plain !== undefined) out[key] = plain;
  }
  return out;
}
