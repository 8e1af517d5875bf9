import jsonata from 'jsonata';
import { EvaluationBudget } from './evaluation-budget';
import { MAX_PICTURE_LENGTH } from './expression-limits';
import { withLinearRegExp } from './linear-regex';

/**
 * Name of the binding that carries an evaluation's {@link EvaluationBudget}.
 * JSONata variable names end at whitespace, so no expression can refer to it.
 */
export const BUDGET_BINDING = 'sluice budget';

/** The `this` JSONata gives a built-in function. */
interface Focus {
  environment: Frame;
  input: unknown;
  createSequence(): unknown[];
}

/**
 * A function argument as JSONata hands it to a built-in: a JavaScript function
 * (wrapped lambdas, regex matchers) or a lambda object; both have `apply`.
 */
interface Callable {
  apply(self: unknown, args: unknown[]): unknown;
}

/** What a matcher (a regex literal or a custom matcher lambda) returns for one match. */
interface MatchResult {
  match: string;
  start: number;
  end: number;
  groups: string[];
  next: Callable;
}

/** A JSONata built-in as its definition object holds it. */
interface BuiltIn {
  implementation: (this: Focus, ...args: unknown[]) => unknown;
}

/** JSONata-shaped error: JSONata fills in the message from its own table for its codes. */
function jsonataError(code: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { code, stack: new Error().stack, ...fields };
}

/** Where the budget is cached on JSONata's per-evaluation root frame (`base`), so frames need not look it up. */
const BUDGET_SLOT = Symbol('sluice budget');

/** A JSONata frame: `lookup` is public; `base`, the evaluation's root frame, is read when present. */
export interface Frame {
  lookup(name: string): unknown;
  base?: { [BUDGET_SLOT]?: unknown };
}

/** The budget of the evaluation `frame` belongs to, or undefined outside a Sluice evaluation. */
export function budgetOfFrame(frame: Frame): EvaluationBudget | undefined {
  const root = frame.base;
  let budget = root?.[BUDGET_SLOT];
  if (budget === undefined) {
    budget = frame.lookup(BUDGET_BINDING);
    if (root) root[BUDGET_SLOT] = budget;
  }
  return budget instanceof EvaluationBudget ? budget : undefined;
}

function budgetOf(focus: Focus): EvaluationBudget {
  const budget = budgetOfFrame(focus.environment);
  if (budget) return budget;
  throw new Error('A Sluice expression ran without its evaluation budget');
}

function isSequence(value: unknown): boolean {
  return Array.isArray(value) && (value as { sequence?: unknown }).sequence === true;
}

function isJsonataFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null) return false;
  const marked = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return marked._jsonata_function === true || marked._jsonata_lambda === true;
}

/** Length in Unicode code points, as JSONata's string functions count. */
function codePoints(value: string): string[] {
  return Array.from(value);
}

// ───────────────────────────── ordering ─────────────────────────────

/**
 * `$sort`: JSONata's own sort is an async recursive merge that copies the
 * remaining list at every step (quadratic memory: `$sort([1..100000])` ends
 * the process). This one sorts natively without a comparator and merges
 * bottom-up with one check of the deadline per comparison otherwise.
 */
async function sort(this: Focus, array: unknown[] | undefined, comparator?: Callable): Promise<unknown[] | undefined> {
  if (array === undefined) return undefined;
  if (array.length <= 1) return array;
  const budget = budgetOf(this);
  budget.checkItems(array.length);
  if (comparator === undefined) {
    const numbers = array.every((item) => typeof item === 'number' && !Number.isNaN(item));
    const strings = !numbers && array.every((item) => typeof item === 'string');
    if (!numbers && !strings) throw jsonataError('D3070', { index: 1 });
    return (array as (number | string)[]).slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return mergeSort(array, async (a, b) => {
    budget.checkTime();
    return Boolean(await comparator.apply(this, [a, b]));
  });
}

/** Stable bottom-up merge sort; `after(a, b)` is true when `a` must come after `b` (JSONata's comparator contract). */
async function mergeSort(items: unknown[], after: (a: unknown, b: unknown) => Promise<boolean>): Promise<unknown[]> {
  const length = items.length;
  let source = items.slice();
  let target = new Array<unknown>(length);
  for (let width = 1; width < length; width *= 2) {
    for (let low = 0; low < length; low += 2 * width) {
      const middle = Math.min(low + width, length);
      const high = Math.min(low + 2 * width, length);
      let left = low;
      let right = middle;
      let out = low;
      while (left < middle && right < high) {
        target[out++] = (await after(source[left], source[right])) ? source[right++] : source[left++];
      }
      while (left < middle) target[out++] = source[left++];
      while (right < high) target[out++] = source[right++];
    }
    [source, target] = [target, source];
  }
  return source;
}

/**
 * `$distinct`: JSONata compares every item with every kept one (quadratic).
 * This one keys each item by a canonical form of its value, which is equal
 * exactly when JSONata's deep equality holds, and keeps the first of each key.
 */
function distinct(this: Focus, array: unknown): unknown {
  if (array === undefined) return undefined;
  if (!Array.isArray(array) || array.length <= 1) return array;
  const budget = budgetOf(this);
  budget.checkItems(array.length);
  const results = isSequence(array) ? this.createSequence() : [];
  const seen = new Set<string>();
  const identities = new Map<unknown, number>();
  for (let index = 0; index < array.length; index++) {
    if ((index & 1023) === 0) budget.checkTime();
    const value: unknown = array[index];
    const key = canonicalKey(value, identities);
    if (!seen.has(key)) {
      seen.add(key);
      results.push(value);
    }
  }
  return results;
}

/** A string equal for two values exactly when JSONata's `isDeepEqual` holds for them. */
function canonicalKey(value: unknown, identities: Map<unknown, number>): string {
  switch (typeof value) {
    case 'string':
      return `s${JSON.stringify(value)}`;
    case 'number':
      return `n${String(value)}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object':
      if (value === null) return 'z';
      if (Array.isArray(value)) return `[${value.map((item) => canonicalKey(item, identities)).join(',')}]`;
      if (!isJsonataFunction(value)) {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalKey(record[key], identities)}`).join(',')}}`;
      }
      break;
    default:
      break;
  }
  // Functions are equal only to themselves.
  let identity = identities.get(value);
  if (identity === undefined) {
    identity = identities.size;
    identities.set(value, identity);
  }
  return `#${identity}`;
}

// ───────────────────────────── strings and matching ─────────────────────────────

/** Calls a matcher (or a match's `next`) and checks the shape of what it returns, as JSONata does. */
async function evaluateMatcher(focus: Focus, matcher: Callable, input?: string): Promise<MatchResult | undefined> {
  const result = (await matcher.apply(focus, [input])) as MatchResult | undefined;
  if (result && !(typeof result.start === 'number' || Array.isArray(result.groups) || typeof result.next === 'function')) {
    throw jsonataError('T1010');
  }
  return result ?? undefined;
}

/** `$match` with a deadline check per match and the item cap. Regexes run on RE2 (see linear-regex.ts). */
async function match(this: Focus, input: string | undefined, matcher: Callable, limit?: number): Promise<unknown> {
  if (input === undefined) return undefined;
  if (limit !== undefined && limit < 0) throw jsonataError('D3040', { value: limit, index: 3 });
  const budget = budgetOf(this);
  const result = this.createSequence();
  if (limit === undefined || limit > 0) {
    let count = 0;
    let found = await evaluateMatcher(this, matcher, input);
    while (found !== undefined && (limit === undefined || count < limit)) {
      budget.checkTime();
      budget.checkItems(count + 1);
      result.push({ match: found.match, index: found.start, groups: found.groups });
      found = await evaluateMatcher(this, found.next);
      count++;
    }
  }
  return result;
}

/** Builds a string from parts, failing as soon as it would pass the string cap. */
class BoundedText {
  private readonly parts: string[] = [];
  private length = 0;

  constructor(private readonly budget: EvaluationBudget) {}

  append(part: string): void {
    this.length += part.length;
    this.budget.checkStringLength(this.length);
    this.parts.push(part);
  }

  toString(): string {
    return this.parts.join('');
  }
}

/** The substitute for one match of a replacement string with `$0`, `$1` … and `$$`, exactly as JSONata reads it. */
function substitute(replacement: string, found: MatchResult): string {
  let text = '';
  let position = 0;
  let index = replacement.indexOf('$', position);
  while (index !== -1 && position < replacement.length) {
    text += replacement.substring(position, index);
    position = index + 1;
    const dollarValue = replacement.charAt(position);
    if (dollarValue === '$') {
      text += '$';
      position++;
    } else if (dollarValue === '0') {
      text += found.match;
      position++;
    } else {
      const maxDigits = found.groups.length === 0 ? 1 : Math.floor(Math.log(found.groups.length) * Math.LOG10E) + 1;
      let group = parseInt(replacement.substring(position, position + maxDigits), 10);
      if (maxDigits > 1 && group > found.groups.length) group = parseInt(replacement.substring(position, position + maxDigits - 1), 10);
      if (!Number.isNaN(group)) {
        if (found.groups.length > 0) {
          const submatch = found.groups[group - 1];
          if (submatch !== undefined) text += submatch;
        }
        position += group.toString().length;
      } else {
        text += '$';
      }
    }
    index = replacement.indexOf('$', position);
  }
  return text + replacement.substring(position);
}

/**
 * `$replace` that stops as soon as the result would pass the string cap
 * (a 1 MiB replacement for every character of a 1 MiB input would otherwise
 * build a terabyte) and checks the deadline between matches.
 */
async function replace(
  this: Focus,
  input: string | undefined,
  pattern: string | Callable,
  replacement: string | Callable,
  limit?: number,
): Promise<string | undefined> {
  if (input === undefined) return undefined;
  if (pattern === '') throw jsonataError('D3010', { value: pattern, index: 2 });
  if (limit !== undefined && limit < 0) throw jsonataError('D3011', { value: limit, index: 4 });
  if (limit !== undefined && limit <= 0) return input;
  const budget = budgetOf(this);
  const result = new BoundedText(budget);
  let position = 0;
  let count = 0;
  if (typeof pattern === 'string') {
    // As in JSONata, a string pattern inserts a string replacement literally.
    const literal = typeof replacement === 'string' ? replacement : '';
    let index = input.indexOf(pattern, position);
    while (index !== -1 && (limit === undefined || count < limit)) {
      if ((count & 1023) === 0) budget.checkTime();
      result.append(input.substring(position, index));
      result.append(literal);
      position = index + pattern.length;
      count++;
      index = input.indexOf(pattern, position);
    }
    result.append(input.substring(position));
    return result.toString();
  }
  let found = await evaluateMatcher(this, pattern, input);
  if (found === undefined) return input;
  while (found !== undefined && (limit === undefined || count < limit)) {
    budget.checkTime();
    result.append(input.substring(position, found.start));
    const replacedWith = typeof replacement === 'string' ? substitute(replacement, found) : await replacement.apply(this, [found]);
    if (typeof replacedWith !== 'string') throw jsonataError('D3012', { value: replacedWith });
    result.append(replacedWith);
    position = found.start + found.match.length;
    count++;
    found = await evaluateMatcher(this, found.next);
  }
  result.append(input.substring(position));
  return result.toString();
}

/** `$split` with the item cap and a deadline check between regex matches. */
async function split(this: Focus, input: string | undefined, separator: string | Callable, limit?: number): Promise<string[] | undefined> {
  if (input === undefined) return undefined;
  if (limit !== undefined && limit < 0) throw jsonataError('D3020', { value: limit, index: 3 });
  if (limit !== undefined && limit <= 0) return [];
  const budget = budgetOf(this);
  if (typeof separator === 'string') {
    if (separator === '') budget.checkItems(Math.min(input.length, limit ?? input.length));
    const parts = input.split(separator, limit);
    budget.checkItems(parts.length);
    return parts;
  }
  const result: string[] = [];
  let found = await evaluateMatcher(this, separator, input);
  if (found === undefined) return [input];
  let start = 0;
  let count = 0;
  while (found !== undefined && (limit === undefined || count < limit)) {
    budget.checkTime();
    budget.checkItems(result.length + 1);
    result.push(input.substring(start, found.start));
    start = found.end;
    found = await evaluateMatcher(this, found.next);
    count++;
  }
  if (limit === undefined || count < limit) result.push(input.substring(start));
  return result;
}

/** `$join` that refuses before joining when the result would pass the string cap. */
function join(this: Focus, strings: string[] | undefined, separator?: string): string | undefined {
  if (strings === undefined) return undefined;
  const glue = separator ?? '';
  let length = glue.length * Math.max(0, strings.length - 1);
  for (const item of strings) length += item.length;
  budgetOf(this).checkStringLength(length);
  return strings.join(glue);
}

/** `$pad` that refuses a width past the string cap before building the padding (JSONata builds width × char first). */
function pad(this: Focus, input: string | undefined, width: number, char?: string): string | undefined {
  if (input === undefined) return undefined;
  const fill = char === undefined || char.length === 0 ? ' ' : char;
  const target = Math.abs(Math.trunc(width));
  const padLength = target - codePoints(input).length;
  if (padLength <= 0) return input;
  const fillPoints = codePoints(fill);
  // Code units of the padding: one per point when the fill has no surrogate pairs, at most two otherwise.
  budgetOf(this).checkStringLength(input.length + padLength * (fill.length === fillPoints.length ? 1 : 2));
  const repeated = fill.repeat(Math.ceil(padLength / fillPoints.length));
  const padding = fillPoints.length === 1 ? repeated : codePoints(repeated).slice(0, padLength).join('');
  return width > 0 ? input + padding : padding + input;
}

/**
 * `$string` that stops serialising once the text would pass the string cap.
 * Pretty printing indents every line by its depth, which can multiply the
 * size of a deep value, so indentation is counted too.
 */
function string(this: Focus, value: unknown, prettify = false): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (isJsonataFunction(value)) return '';
  if (typeof value === 'number' && !Number.isFinite(value)) throw jsonataError('D3001', { value });
  const budget = budgetOf(this);
  const limit = budget.limits.maxStringLength;
  const depths = new WeakMap<object, number>();
  let estimate = 0;
  const subject = Array.isArray(value) && (value as { outerWrapper?: unknown }).outerWrapper ? (value as unknown[])[0] : value;
  const text = JSON.stringify(
    subject,
    function (this: unknown, key: string, item: unknown): unknown {
      const holder = typeof this === 'object' && this !== null ? this : undefined;
      const depth = (holder ? depths.get(holder) : undefined) ?? 0;
      // A separator, plus `"key": ` inside objects, plus the indentation of the line when pretty.
      estimate += 1 + (Array.isArray(holder) ? 0 : key.length + 4) + (prettify ? 2 * depth + 1 : 0);
      let out = item;
      if (typeof item === 'number') {
        if (!Number.isFinite(item)) throw jsonataError('D1001', { value: item });
        out = Number.isInteger(item) ? item : Number(item.toPrecision(15));
        estimate += String(out).length;
      } else if (isJsonataFunction(item)) {
        out = '';
        estimate += 2;
      } else if (typeof item === 'string') {
        estimate += item.length + 2;
      } else if (typeof item === 'object' && item !== null) {
        depths.set(item, depth + 1);
        estimate += 2;
      } else {
        estimate += 5;
      }
      if (estimate > limit) budget.fail('string');
      return out;
    },
    prettify ? 2 : 0,
  );
  budget.checkStringLength(text.length);
  return text;
}

/** `$eval` would run expressions built from data at run time: not available in Sluice. */
function evalDisabled(): never {
  throw { code: 'SLUICE_EVAL', message: '$eval is not available: Sluice expressions cannot run expressions built at run time' };
}

// ───────────────────────────── pictures ─────────────────────────────

/** JSONata's own picture-driven built-ins, looked up once from the static frame. */
let builtIns: Promise<Record<string, BuiltIn>> | undefined;
function builtIn(name: string): Promise<BuiltIn> {
  builtIns ??= jsonata('{ "formatNumber": $formatNumber, "formatInteger": $formatInteger, "parseInteger": $parseInteger, "fromMillis": $fromMillis, "toMillis": $toMillis }')
    .evaluate({})
    .then((found) => found as Record<string, BuiltIn>);
  return builtIns.then((found) => {
    const definition = found[name];
    if (!definition) throw new Error(`JSONata has no built-in $${name}`);
    return definition;
  });
}

/** Picture strings drive loops per character (about 10 µs each): cap their length. */
function checkPicture(focus: Focus, picture: unknown): void {
  if (typeof picture === 'string' && picture.length > MAX_PICTURE_LENGTH) budgetOf(focus).fail('picture');
}

function pictured(name: string, pictureIndex: number): (this: Focus, ...args: unknown[]) => Promise<unknown> {
  return async function (this: Focus, ...args: unknown[]): Promise<unknown> {
    checkPicture(this, args[pictureIndex]);
    return (await builtIn(name)).implementation.apply(this, args);
  };
}

/** `$toMillis` with a picture compiles a regex of its own from the picture: run it on RE2 too. */
async function toMillis(this: Focus, timestamp: unknown, picture?: unknown): Promise<unknown> {
  checkPicture(this, picture);
  const original = await builtIn('toMillis');
  if (picture === undefined) return original.implementation.call(this, timestamp, picture);
  return withLinearRegExp(() => original.implementation.call(this, timestamp, picture));
}

/** `$now` formats the evaluation's timestamp like `$fromMillis`, with the same picture cap. */
async function now(this: Focus, picture?: unknown, timezone?: unknown): Promise<unknown> {
  checkPicture(this, picture);
  // `$millis` is the evaluation's own timestamp, unless the expression rebound the name.
  const millis = this.environment.lookup('millis') as Partial<BuiltIn> | undefined;
  const timestamp = typeof millis?.implementation === 'function' ? millis.implementation.call(this) : budgetOf(this).startedAt;
  return (await builtIn('fromMillis')).implementation.call(this, timestamp, picture, timezone);
}

/** Replacement built-ins with their JSONata signatures (the same as the originals'). */
const BOUNDED_FUNCTIONS: readonly [name: string, implementation: (this: Focus, ...args: never[]) => unknown, signature: string][] = [
  ['sort', sort, '<af?:a>'],
  ['distinct', distinct, '<x:x>'],
  ['match', match, '<s-f<s:o>n?:a<o>>'],
  ['replace', replace, '<s-(sf)(sf)n?:s>'],
  ['split', split, '<s-(sf)n?:a<s>>'],
  ['join', join, '<a<s>s?:s>'],
  ['pad', pad, '<s-ns?:s>'],
  ['string', string, '<x-b?:s>'],
  ['eval', evalDisabled, '<sx?:x>'],
  ['formatNumber', pictured('formatNumber', 1), '<n-so?:s>'],
  ['formatInteger', pictured('formatInteger', 1), '<n-s:s>'],
  ['parseInteger', pictured('parseInteger', 1), '<s-s:n>'],
  ['fromMillis', pictured('fromMillis', 1), '<n-s?s?:s>'],
  ['toMillis', toMillis, '<s-s?:n>'],
  ['now', now, '<s?s?:s>'],
];

/**
 * Registers the bounded built-ins on a compiled expression, in its own
 * frame, where they shadow JSONata's for every lookup the expression makes.
 */
export function registerBoundedFunctions(expression: jsonata.Expression): void {
  for (const [name, implementation, signature] of BOUNDED_FUNCTIONS) {
    expression.registerFunction(name, implementation as unknown as (this: jsonata.Focus, ...args: unknown[]) => unknown, signature);
  }
}
