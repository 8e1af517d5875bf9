import { parseExpression } from '../expressions/evaluate-expression';

/** Problem with a required non-empty string field, or undefined. */
export function requiredString(data: Record<string, unknown>, key: string, what: string): string | undefined {
  const value = data[key];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return `needs ${what}`;
  if (typeof value !== 'string') return `${key} must be a string`;
  return undefined;
}

/** Problems with a JSONata field: missing (when required), not a string, or not parsing. */
export function expressionField(data: Record<string, unknown>, key: string, what: string, required: boolean): string[] {
  const value = data[key];
  if (!required && (value === undefined || value === null || value === '')) return [];
  const missing = requiredString(data, key, what);
  if (missing) return [missing];
  const parseError = parseExpression(value as string);
  return parseError ? [`${key} is not valid JSONata: ${parseError}`] : [];
}
