import type { FlowGraph } from '@sluice/contracts';

/** What the runs list's search box asks `GET /api/runs` for (docs/rest-api.md#searching-runs). */
export type RunSearch = { kind: 'key'; name: string; value: string } | { kind: 'q'; q: string };

/** `name=value`, with no space before `=`: a search key lookup when the flow declares `name`. */
const KEY_TERM = /^([A-Za-z_][A-Za-z0-9_]{0,63})=(.*)$/s;

/**
 * Reads the search box: `name=value`, where `name` is one of the flow's
 * search keys, looks the key up (a value in double quotes is that JSON
 * string, so `orderId="A-17"` finds `A-17` too); anything else is a JSONata
 * predicate over the payload (`q`). Blank text is no search.
 */
export function parseRunSearch(text: string, declared: readonly string[]): RunSearch | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const match = KEY_TERM.exec(trimmed);
  const name = match?.[1];
  if (name !== undefined && declared.includes(name)) return { kind: 'key', name, value: unquote((match?.[2] ?? '').trim()) };
  return { kind: 'q', q: trimmed };
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}

/** Names of the search keys the graph's entry node declares. */
export function searchKeyNames(graph: FlowGraph | undefined): string[] {
  const entry = graph?.nodes.find((node) => node.type === 'trigger' || node.type === 'subscribe');
  const keys: unknown = entry?.data['searchKeys'];
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((key: unknown) => {
    const name = typeof key === 'object' && key !== null ? (key as { name?: unknown }).name : undefined;
    return typeof name === 'string' && name !== '' ? [name] : [];
  });
}
