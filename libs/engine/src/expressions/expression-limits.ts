/** Default wall-time limit of one evaluation, in ms. */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 1000;
/**
 * Default limit on nested evaluation frames. Each JSONata function call costs
 * about three frames, so 2000 allows ~650 levels of non-tail recursion while
 * staying far below the JavaScript stack limit.
 */
export const DEFAULT_EXPRESSION_MAX_DEPTH = 2000;
/** Default cap on the items of any one array or sequence an expression builds or returns. */
export const DEFAULT_EXPRESSION_MAX_ITEMS = 100_000;
/** Default cap on the length of any one string an expression builds, in UTF-16 code units (1 MiB). */
export const DEFAULT_EXPRESSION_MAX_STRING_LENGTH = 1024 * 1024;
/**
 * Default memory budget of one evaluation, in estimated heap bytes: every
 * array, object and large string the evaluation builds or reads is charged
 * once, and no single value may be larger than this once its shared parts are
 * counted as often as they are referenced.
 */
export const DEFAULT_EXPRESSION_MEMORY_BYTES = 32 * 1024 * 1024;
/**
 * Memory budget shared by all evaluations in progress in this process, in
 * estimated heap bytes. Evaluations interleave at every `await`, so without a
 * shared bound many concurrent evaluations could each fill their own budget.
 */
export const SHARED_EXPRESSION_MEMORY_BYTES = 128 * 1024 * 1024;
/** Longest picture string accepted by $formatNumber, $formatInteger, $parseInteger, $fromMillis, $toMillis and $now. */
export const MAX_PICTURE_LENGTH = 1000;
/** Deepest nesting of arrays and objects in an expression's result. */
export const MAX_RESULT_NESTING = 1000;
/**
 * Most steps one regular-expression search may take: its program size times
 * the characters it scans. RE2 is linear in the input, but each character can
 * cost one step per instruction (about 20 ns each here), and one search cannot
 * be interrupted: 30 million steps is well under a second.
 */
export const MAX_REGEX_STEPS = 30_000_000;

/** Limits applied to one evaluation. */
export interface ExpressionOptions {
  /** Wall-time limit, in ms. */
  timeoutMs?: number;
  /** Maximum nesting of evaluation frames. */
  maxDepth?: number;
  /** Maximum items in any one array or sequence. */
  maxItems?: number;
  /** Maximum length of any one string, in UTF-16 code units. */
  maxStringLength?: number;
  /** Memory budget of the evaluation, in estimated heap bytes. */
  memoryBytes?: number;
}

/** {@link ExpressionOptions} with every default applied. */
export type ExpressionLimits = Required<ExpressionOptions>;

/** Which limit an evaluation passed. */
export type ExpressionLimit = 'time' | 'depth' | 'items' | 'string' | 'memory' | 'shared-memory' | 'nesting' | 'picture' | 'regex';

export function resolveLimits(options: ExpressionOptions = {}): ExpressionLimits {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS,
    maxDepth: options.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH,
    maxItems: options.maxItems ?? DEFAULT_EXPRESSION_MAX_ITEMS,
    maxStringLength: options.maxStringLength ?? DEFAULT_EXPRESSION_MAX_STRING_LENGTH,
    memoryBytes: options.memoryBytes ?? DEFAULT_EXPRESSION_MEMORY_BYTES,
  };
}

export const count = (value: number): string => value.toLocaleString('en-US');
const mebibytes = (bytes: number): string => `${count(Math.round((bytes / (1024 * 1024)) * 10) / 10)} MiB`;

/** The sentence that names a limit, read after the field it concerns ("expression: exceeded …"). */
export function limitMessage(limit: ExpressionLimit, limits: ExpressionLimits): string {
  switch (limit) {
    case 'time':
      return `exceeded the ${count(limits.timeoutMs)} ms time limit`;
    case 'depth':
      return `exceeded the limit of ${count(limits.maxDepth)} nested evaluation frames`;
    case 'items':
      return `produced more than ${count(limits.maxItems)} items`;
    case 'string':
      return `produced a string longer than ${count(limits.maxStringLength)} characters`;
    case 'memory':
      return `exceeded the ${mebibytes(limits.memoryBytes)} memory limit`;
    case 'shared-memory':
      return `exceeded the ${mebibytes(SHARED_EXPRESSION_MEMORY_BYTES)} memory limit shared by the expressions in progress`;
    case 'nesting':
      return `produced a value nested deeper than ${count(MAX_RESULT_NESTING)} levels`;
    case 'picture':
      return `used a picture string longer than ${count(MAX_PICTURE_LENGTH)} characters`;
    case 'regex':
      return `ran a regular expression search of more than ${count(MAX_REGEX_STEPS)} steps`;
  }
}

/**
 * Thrown inside an evaluation that passed one of its limits. JSONata keeps the
 * message of errors whose code it does not know, and the evaluation also
 * remembers it, so a construct that swallows errors cannot hide the breach.
 */
export class ExpressionLimitExceeded extends Error {
  readonly code = 'SLUICE_LIMIT';

  constructor(
    readonly limit: ExpressionLimit,
    message: string,
  ) {
    super(message);
    this.name = 'ExpressionLimitExceeded';
  }
}
