/** A JSON value as shown in the side-by-side view: whole, or its first lines when long. */
export interface JsonPreview {
  /** The whole value, indented. */
  text: string;
  /** The first lines, when the value is longer than the view shows collapsed; otherwise the whole text. */
  head: string;
  lines: number;
  long: boolean;
}

/** Lines a JSON value may have before it is shown collapsed. */
export const JSON_PREVIEW_LINES = 8;
/** Characters a collapsed value shows at most (one long line, say), so a collapsed block stays small. */
const HEAD_CHARS = 600;

/** Indented JSON of `value` and its collapsed form; `undefined` (no output) is empty. */
export function jsonPreview(value: unknown, maxLines = JSON_PREVIEW_LINES): JsonPreview {
  let text: string;
  try {
    text = value === undefined ? '' : (JSON.stringify(value, null, 2) ?? String(value));
  } catch {
    text = String(value);
  }
  const split = text.split('\n');
  const long = split.length > maxLines || text.length > HEAD_CHARS;
  const head = long ? `${split.slice(0, maxLines).join('\n').slice(0, HEAD_CHARS)}\n…` : text;
  return { text, head, lines: split.length, long };
}
