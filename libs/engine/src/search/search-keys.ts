import type { FlowNode, SearchKey } from '@sluice/contracts';
import { parseExpression } from '../expressions/evaluate-expression';
import { GRAPH_LIMITS } from '../graph/graph-limits';
import { SEARCH_KEY_LIMITS, SEARCH_KEY_NAME } from './search-key-limits';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Problems with an entry node's `data.searchKeys` (absent is fine), each
 * reading after `Node "id" (type) `: an array of at most
 * {@link SEARCH_KEY_LIMITS.maxKeys} `{ name, expression }` objects, names
 * matching {@link SEARCH_KEY_NAME} and unique, expressions that parse.
 */
export function checkSearchKeys(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return ['searchKeys must be an array of { name, expression } objects'];
  const problems: string[] = [];
  if (value.length > SEARCH_KEY_LIMITS.maxKeys) {
    problems.push(`declares ${value.length} search keys; at most ${SEARCH_KEY_LIMITS.maxKeys}`);
    return problems;
  }
  const names = new Set<string>();
  value.forEach((key: unknown, index) => {
    const at = `searchKeys[${index}]`;
    if (!isRecord(key)) return void problems.push(`${at} must be an object with a name and an expression`);
    const name = key['name'];
    if (typeof name !== 'string' || !SEARCH_KEY_NAME.test(name)) {
      const shown = typeof name === 'string' ? ` ${JSON.stringify(name.length > 70 ? `${name.slice(0, 70)}…` : name)}` : '';
      problems.push(`${at} name${shown} must start with a letter or _, and hold only letters, digits and _ (at most 64 characters)`);
    } else if (names.has(name)) {
      problems.push(`${at} name "${name}" is used by another search key`);
    } else {
      names.add(name);
    }
    const label = typeof name === 'string' && SEARCH_KEY_NAME.test(name) ? `${at} (${name})` : at;
    const expression = key['expression'];
    if (typeof expression !== 'string' || expression.trim() === '') return void problems.push(`${label} needs an expression`);
    // Past the expression limit checkGraphLimits already reports it (every string in data is held to
    // maxStringLength, which is the expression limit), and parsing it would only cost time.
    if (expression.length > GRAPH_LIMITS.maxExpressionLength) return;
    const parseError = parseExpression(expression);
    if (parseError) problems.push(`${label} expression is not valid JSONata: ${parseError}`);
  });
  return problems;
}

/** The search keys a valid flow's entry node declares; none when it declares none. */
export function declaredSearchKeys(entry: FlowNode): SearchKey[] {
  const keys = entry.data['searchKeys'];
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((key: unknown) =>
    isRecord(key) && typeof key['name'] === 'string' && typeof key['expression'] === 'string' ? [{ name: key['name'], expression: key['expression'] }] : []);
}
