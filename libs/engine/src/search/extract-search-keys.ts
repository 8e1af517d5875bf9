import type { SearchKey } from '@sluice/contracts';
import { evaluateExpression } from '../expressions/evaluate-expression';
import { searchValues } from './search-values';

/** One indexed value of a run's search key. */
export interface SearchKeyValue {
  name: string;
  /** The value as text: a string as it is, a number in its JSON form, a boolean as `true` or `false`. */
  value: string;
}

/**
 * Evaluates each search key over the payload that starts a run, with the
 * bounded evaluator (docs/flow-model.md#search-keys). A key whose expression
 * fails, passes one of its limits, or gives no indexable value gives nothing:
 * a search key never fails a run.
 */
export async function extractSearchKeys(keys: readonly SearchKey[], payload: unknown): Promise<SearchKeyValue[]> {
  const found: SearchKeyValue[] = [];
  for (const key of keys) {
    const result = await evaluateExpression(key.expression, payload);
    if (!result.ok) continue;
    for (const value of searchValues(result.value)) found.push({ name: key.name, value });
  }
  return found;
}
