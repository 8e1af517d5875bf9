import fc from 'fast-check';

/**
 * Hostile and awkward values for mutations: wrong types, numbers at and past
 * the edges, NUL, long and odd Unicode strings, prototype keys, deep
 * nesting. Strings are well-formed Unicode: a lone surrogate is a value the
 * edge lets through on purpose (the store refuses it; see the reliability
 * work on splitting a failed group commit), so it is not fuzzed here.
 */

/** Strings from the whole of Unicode (well-formed), any length up to `maxLength`. */
export const unicodeText = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', maxLength });

/** A string repeated to `length`; built when used, so generating it stays cheap. */
export function longText(length: number, unit = 'x'): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** JSON text nested `depth` deep (arrays, objects or both alternating). */
export function nestedJson(depth: number, kind: 'array' | 'object' | 'mixed'): string {
  if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  if (kind === 'object') return '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (i % 2 === 0) {
      open += '[';
      close = ']' + close;
    } else {
      open += '{"k":';
      close = '}' + close;
    }
  }
  return open + '1' + close;
}

/** A JS value nested `depth` deep. */
export function nestedValue(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

const edgeNumbers = fc.constantFrom(
  0, -0, 1, -1, 0.5, -0.5, 1.5, 63, 64, 65, 99, 100, 101, 255, 256, 499, 500, 501, 1000, 2000, 2001,
  2 ** 31 - 1, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, 3_000_000_000, 86_400_000, 86_400_001, 2 ** 53, 2 ** 53 + 2,
  1e16, 1e21, 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE,
);

const edgeStrings = fc.constantFrom(
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\u0000\u0000', 'null', 'undefined', 'true', 'NaN', 'Infinity', '-1', '1e999',
  '0x10', '__proto__', 'constructor', 'prototype', 'toString', '$', '$$', '${x}', '{{secret.X}}', '../..', '%00', '%2F',
  '\u202e\u0631\u062d', '😀', '👩‍👩‍👧‍👦', 'e\u0301', '\ufeff', '\uffff', '\u2028\u2029', '<script>alert(1)</script>',
  "'; DROP TABLE flows; --", 'http://127.0.0.1:9/', '\\', '"', '\\u0000',
);

/** A value to put where some other value was. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: edgeNumbers },
  { weight: 3, arbitrary: edgeStrings },
  { weight: 2, arbitrary: unicodeText() },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12_000 }).map((length) => longText(length, 'ab\u00e9')) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [[]], JSON.parse('{"__proto__":{"polluted":true}}') as unknown, [null]) },
  { weight: 1, arbitrary: fc.constantFrom(60, 63, 64, 65, 70, 200).map(nestedValue) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.dictionary(unicodeText(12), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }) },
);
