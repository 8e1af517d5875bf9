/**
 * @sluice/engine — the pure core of Sluice: graph validation and compilation,
 * bounded JSONata, retry timing, the history fold and run transitions. No I/O:
 * the runtime feeds it state and carries out the commands it returns.
 */
export type { EngineClock } from './run/engine-clock';

export { validateGraph } from './graph/validate-graph';
export { compileFlow, checkTriggerPayload, edgeHandle, InvalidFlowError, type CompiledFlow, type CompileOptions } from './graph/compile-flow';
export { DEFAULT_MAX_STEP_OUTPUT_BYTES, inspectJson, jsonLongerThan, storableText } from './run/output-limit';
export { matchTopic, checkTopicPattern, checkRoutingKey } from './graph/topic-pattern';

export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, checkRetryPolicy, type RetryPolicy } from './retry/retry-policy';
export { retryDelayMs, backoffSchedule, RETRY_AFTER_LIMIT_MS, type BackoffStep } from './retry/backoff';

export {
  evaluateExpression,
  parseExpression,
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  DEFAULT_EXPRESSION_MAX_DEPTH,
  type ExpressionOptions,
  type ExpressionResult,
} from './expressions/evaluate-expression';
export { isTruthy } from './expressions/truthiness';

export { isInlineNode, nodeDefinition } from './nodes/node-registry';
export type { NodeDefinition, NodeBehaviour, StepOutcome, StepContext } from './nodes/node-definition';
export { publishEventId } from './nodes/publish.node';
export { parseRetryAfter } from './nodes/http.node';
export {
  DEFAULT_HTTP_TIMEOUT_MS,
  MAX_HTTP_TIMEOUT_MS,
  MAX_HTTP_REDIRECTS,
  HTTP_METHODS,
  SECRET_REFERENCE,
  secretReferences,
  UNSTORED_RESPONSE_HEADERS,
  type HttpRequestSpec,
  type EffectResult,
  type HttpEffectErrorCode,
} from './nodes/http-exchange';

export { applyEvent, foldHistory, HistoryFoldError } from './run/fold';
export type { Transition, Command } from './run/transition';
export type { StepMessage } from './run/step-message';
export { startRun, type StartRunInput } from './run/start-run';
export { SEARCH_KEY_LIMITS, SEARCH_KEY_NAME } from './search/search-key-limits';
export { checkSearchKeys, declaredSearchKeys } from './search/search-keys';
export { extractSearchKeys, type SearchKeyValue } from './search/extract-search-keys';
export { searchValues } from './search/search-values';
export { planStep, type StepPlan } from './run/plan-step';
export { settleStep } from './run/settle-step';
export { abandonStep } from './run/abandon-step';
export { redriveStep, accelerateRetry, type StepActionError } from './run/redrive-step';
export {
  DEFAULT_PUBLISH_LIMITS,
  publishIntent,
  refuseByBudget,
  refuseByDepth,
  runChain,
  type PublishAdmission,
  type PublishIntent,
  type PublishLimits,
} from './run/publish-chain';
export { replayRun, type ReplayRunOptions, type ReplayedRun } from './replay/replay-run';
export { runPath } from './replay/run-path';
export { describeRun } from './replay/run-side';
export { compareRuns, type RunComparison } from './replay/compare-runs';
export { sameJson } from './replay/same-json';
export { ReplayTally, type TalliedEvent } from './replay/replay-tally';
