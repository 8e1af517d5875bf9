import { RE2JS, type Matcher } from 're2js';
import { count, ExpressionLimitExceeded, MAX_REGEX_STEPS } from './expression-limits';

/**
 * The JavaScript RegExp constructor, captured before {@link withLinearRegExp}
 * can swap the global one.
 */
const NativeRegExp = RegExp;

/** Compiled patterns keyed by flags and source; bounded like the expression cache. */
const compiled = new Map<string, RE2JS>();
const COMPILED_LIMIT = 500;

/** JSONata-shaped error for a pattern RE2 cannot express. */
export interface UnsupportedRegexError {
  code: 'SLUICE_REGEX';
  message: string;
}

function unsupported(source: string, flags: string, reason: string): UnsupportedRegexError {
  return {
    code: 'SLUICE_REGEX',
    message:
      `regular expression /${source}/${flags.replace('g', '')} is not supported: ${reason}. ` +
      'Sluice matches regular expressions in linear time (RE2 syntax: no lookaround and no backreferences)',
  };
}

/**
 * Compiles a JavaScript pattern for RE2, whose matching time is linear in the
 * input whatever the pattern. Flags i, m and s carry over; g only matters to
 * the caller. Throws an {@link UnsupportedRegexError} for lookaround,
 * backreferences and other syntax RE2 cannot express.
 */
export function compileLinear(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  let pattern: RE2JS;
  try {
    let prefix = '';
    if (flags.includes('i')) prefix += 'i';
    if (flags.includes('m')) prefix += 'm';
    if (flags.includes('s')) prefix += 's';
    const translated = RE2JS.translateRegExp(source);
    pattern = RE2JS.compile(prefix === '' ? translated : `(?${prefix})${translated}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw unsupported(source, flags, reason);
  }
  if (compiled.size >= COMPILED_LIMIT) {
    const oldest = compiled.keys().next();
    if (!oldest.done) compiled.delete(oldest.value);
  }
  compiled.set(key, pattern);
  return pattern;
}

/** Why RE2 cannot run `regexp`, or undefined when it can. */
export function describeRegexProblem(regexp: RegExp): string | undefined {
  try {
    compileLinear(regexp.source, regexp.flags);
    return undefined;
  } catch (error) {
    return (error as UnsupportedRegexError).message;
  }
}

/** What `exec` returns: the shape of a RegExpExecArray that JSONata reads. */
export type LinearMatch = (string | undefined)[] & { index: number; input: string };

/**
 * A RegExp look-alike backed by RE2. JSONata builds one per evaluated regex
 * literal (its `RegexEngine` option) and drives it with `lastIndex` and
 * `exec`, exactly like a global RegExp; dates parsed by `$toMillis` use it as
 * a plain one (see {@link withLinearRegExp}).
 */
export class LinearRegExp {
  lastIndex = 0;
  readonly source: string;
  readonly flags: string;
  readonly global: boolean;
  private readonly pattern: RE2JS;
  /** Instructions of the compiled program: the most steps one character of input can cost. */
  private readonly programSize: number;
  /** Matcher over the last input, reused while JSONata walks the matches of one string. */
  private matcher: { input: string; matcher: Matcher } | undefined;

  constructor(regexp: RegExp | string, flags?: string) {
    this.source = typeof regexp === 'string' ? regexp : regexp.source;
    this.flags = typeof regexp === 'string' ? (flags ?? '') : regexp.flags;
    this.global = this.flags.includes('g');
    this.pattern = compileLinear(this.source, this.flags);
    this.programSize = this.pattern.programSize();
  }

  exec(input: string): LinearMatch | null {
    const from = this.global ? this.lastIndex : 0;
    const steps = this.programSize * Math.max(0, input.length - from);
    if (steps > MAX_REGEX_STEPS) {
      throw new ExpressionLimitExceeded(
        'regex',
        `ran the regular expression /${this.source}/ over ${count(input.length - from)} characters, which may take ${count(steps)} steps, ` +
          `more than the limit of ${count(MAX_REGEX_STEPS)}`,
      );
    }
    if (this.matcher?.input !== input) this.matcher = { input, matcher: this.pattern.matcher(input) };
    const matcher = this.matcher.matcher;
    if (from > input.length || !matcher.find(from)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [matcher.group(0) ?? ''];
    for (let group = 1; group <= matcher.groupCount(); group++) groups.push(matcher.group(group) ?? undefined);
    if (this.global) this.lastIndex = matcher.end();
    return Object.assign(groups, { index: matcher.start(), input });
  }

  test(input: string): boolean {
    return this.exec(input) !== null;
  }
}

/**
 * Runs `work` with the global RegExp swapped for {@link LinearRegExp}, so a
 * JSONata built-in that compiles patterns of its own (the picture of
 * `$toMillis`, which can nest `[a-z]+` groups that backtrack polynomially)
 * matches in linear time. Safe because `work` is synchronous: nothing else
 * runs before the original is restored.
 */
export function withLinearRegExp<T>(work: () => T): T {
  const scope = globalThis as { RegExp: RegExpConstructor };
  scope.RegExp = LinearRegExp as unknown as RegExpConstructor;
  try {
    return work();
  } finally {
    scope.RegExp = NativeRegExp;
  }
}
