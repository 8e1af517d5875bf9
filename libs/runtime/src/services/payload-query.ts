import { evaluateExpression, isTruthy, parseExpression } from '@sluice/engine';
import { DomainError } from '../errors/domain-error';

/**
 * `q`, a JSONata predicate over the payload that started a run, as run
 * search and replays read it (docs/rest-api.md#searching-runs). Refused with
 * `invalid_query` when it does not parse.
 */
export function checkPayloadQuery(q: string): void {
  const problem = parseExpression(q);
  if (problem !== undefined) throw new DomainError('invalid_query', `q is not valid JSONata: ${problem}`, { problem });
}

/**
 * Whether `q` holds for a payload, as a filter's condition reads it, with
 * the bounded evaluator held to `timeoutMs`. A `q` that fails or passes a
 * bound is no match.
 */
export async function payloadMatches(q: string, payload: unknown, timeoutMs: number): Promise<boolean> {
  const result = await evaluateExpression(q, payload, { timeoutMs });
  return result.ok && isTruthy(result.value);
}
