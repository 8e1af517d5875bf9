import type { SearchKey } from '@sluice/contracts';
import { evaluateExpression } from '../expressions/evaluate-expression';
import { SEARCH_KEY_LIMITS } from './search-key-limits';

/** One indexed value of a run's search key. */
export interface SearchKeyValue {
  name: string;
  /** The value as text: a string as it is, a number in its JSON form, a boolean as `true` or `false`. */
  value: string;
}

/** A UTF-16 surrogate without its partner, or NUL: text PostgreSQL cannot store. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The text a search key indexes for one result: a string, a finite number (in
 * its JSON form) or a boolean. Anything else, and text that is too long to
 * index or that the store cannot hold, gives nothing.
 */
function indexedText(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = JSON.stringify(value);
  else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else return undefined;
  if (text.length > SEARCH_KEY_LIMITS.maxValueLength || UNSTORABLE.test(text)) return undefined;
  return text;
}

/**
 * The values one key's result gives: one for a scalar, one per scalar
 * element of an array (its first {@link SEARCH_KEY_LIMITS.maxValuesPerKey}
 * distinct ones), none for anything else (objects, null, undefined).
 */
export function searchValues(result: unknown): string[] {
  const items = Array.isArray(result) ? result : [result];
  const values = new Set<string>();
  for (const item of items) {
    if (values.size >= SEARCH_KEY_LIMITS.maxValuesPerKey) break;
    const text = indexedText(item);
    if (text !== undefined) values.add(text);
  }
  return [...values];
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
