/**
 * @sluice/engine/browser — the part of the engine the editor runs in the
 * browser, so its previews and run views compute what the engine computes.
 *
 * Everything exported directly is small and dependency-free: the history fold,
 * retry timing and node constants. The two heavy parts (the bounded JSONata
 * evaluator with jsonata and re2js; the graph validator with every node
 * definition and ajv) are reached through loaders only, so a bundler splits
 * them into chunks fetched on first use, never into the entry chunk. (A
 * dynamic import is an ECMAScript import, hence the `.js` that names the
 * compiled file.)
 */
export { applyEvent } from './run/fold';
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from './retry/retry-policy';
export { backoffSchedule, type BackoffStep } from './retry/backoff';
export { HTTP_METHODS } from './nodes/http-exchange';
export { SEARCH_KEY_LIMITS, SEARCH_KEY_NAME } from './search/search-key-limits';
export { searchValues } from './search/search-values';

export type { ExpressionOptions, ExpressionResult } from './expressions/evaluate-expression';

/** The engine's bounded JSONata evaluator (`evaluateExpression`), loaded on demand. */
export async function loadExpressionEvaluator(): Promise<typeof import('./expressions/evaluate-expression').evaluateExpression> {
  const module = await import('./expressions/evaluate-expression.js');
  return module.evaluateExpression;
}

/** The engine's graph validator (`validateGraph`), loaded on demand. */
export async function loadGraphValidator(): Promise<typeof import('./graph/validate-graph').validateGraph> {
  const module = await import('./graph/validate-graph.js');
  return module.validateGraph;
}
