/**
 * JSONata's `$boolean` casting rules, which a filter's condition and a run
 * search's `q` both follow: `undefined`, `false`, `0`, `""`, `[]` and `{}`
 * read as no, and an array reads as yes when any of its items does.
 */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}
