import { SEARCH_KEY_LIMITS } from './search-key-limits';

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
