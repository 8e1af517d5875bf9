/** What a scan of raw JSON text found that Sluice refuses before parsing. */
export type JsonTextProblem =
  /** Arrays and objects nest deeper than allowed; `offset` is the byte that went past the limit. */
  | { kind: 'too_deep'; offset: number }
  /** A `\u0000` escape (or a raw NUL byte): PostgreSQL text and jsonb cannot hold NUL. */
  | { kind: 'nul'; offset: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const LETTER_U = 0x75;
const DIGIT_ZERO = 0x30;

/**
 * One pass over UTF-8 JSON text, before `JSON.parse` sees it: counts the
 * nesting of `[` and `{` outside strings and looks for NUL inside strings
 * (values and keys alike). Iterative and O(n), so hostile input cannot
 * overflow the stack or cost more than reading it. In UTF-8 every byte of a
 * multi-byte character is ≥ 0x80, so ASCII bytes can be matched directly.
 *
 * Text that is not valid JSON may pass; the parser refuses it afterwards.
 */
export function scanJsonText(bytes: Uint8Array, maxDepth: number): JsonTextProblem | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0) return { kind: 'nul', offset: i };
    if (inString) {
      if (byte === QUOTE) inString = false;
      else if (byte === BACKSLASH) {
        if (bytes[i + 1] === LETTER_U && bytes[i + 2] === DIGIT_ZERO && bytes[i + 3] === DIGIT_ZERO
          && bytes[i + 4] === DIGIT_ZERO && bytes[i + 5] === DIGIT_ZERO) {
          return { kind: 'nul', offset: i };
        }
        // Skip the escaped character, so `\"` does not end the string and `\\` does not escape the next one.
        i++;
      }
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth++;
      if (depth > maxDepth) return { kind: 'too_deep', offset: i };
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return undefined;
}
