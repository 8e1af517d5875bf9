import {
  type ExpressionLimit,
  ExpressionLimitExceeded,
  type ExpressionLimits,
  limitMessage,
  SHARED_EXPRESSION_MEMORY_BYTES,
} from './expression-limits';

/** Estimated heap bytes of a number, boolean or null slot. */
const SLOT_BYTES = 8;
/** Estimated header bytes of an array, an object and a string. */
const ARRAY_BYTES = 16;
const OBJECT_BYTES = 32;
const STRING_BYTES = 16;
/** Estimated bytes of one object property (key slot and value slot). */
const PROPERTY_BYTES = 16;
/**
 * Strings a frame returns are charged from this length on (UTF-16 code units).
 * Shorter ones cost little, and `&` builds ropes that share their parts, so
 * charging every concatenation would count a string built piece by piece
 * quadratically.
 */
const CHARGED_STRING_LENGTH = 16 * 1024;

/**
 * Frames whose result is a value that already exists (a field of the input,
 * a variable, a branch of a condition or block): nothing new to measure.
 */
const PASS_THROUGH = new Set(['name', 'variable', 'parent', 'condition', 'block', 'bind', 'lambda', 'regex', 'string', 'number', 'value']);
/** Frames that can build a new string: operators (`&`) and function calls. */
const BUILDS_STRINGS = new Set(['binary', 'function', 'apply', 'partial']);

/** The parts of a JSONata AST node the budget reads. */
export interface FrameNode {
  type: string;
  predicate?: unknown;
  group?: unknown;
}

/** Estimated bytes charged by all evaluations in progress in this process. */
let sharedCharged = 0;

/** Estimated bytes currently charged by evaluations in progress (for tests and metrics). */
export function sharedExpressionBytes(): number {
  return sharedCharged;
}

/**
 * What one evaluation may still spend: its deadline and its memory. JSONata
 * checks time and depth on every frame itself; this budget sees the result of
 * every frame (JSONata's exit hook) and the loops of the bounded built-ins.
 *
 * Memory is an estimate of heap bytes. Every array and object a frame returns
 * is measured once (sizes are memoised per evaluation) and its own bytes are
 * charged; its size counting shared parts as often as they are referenced is
 * also bounded, so that the recursive walks JSONata does inside one frame
 * (`=`, `&` of an object, `**`, `$string`) stay bounded even over values that
 * share structure.
 */
export class EvaluationBudget {
  readonly startedAt: number;
  readonly deadline: number;
  /** The first limit this evaluation passed; every later check throws it again. */
  breach: ExpressionLimitExceeded | undefined;
  private charged = 0;
  private released = false;
  private readonly sizes = new WeakMap<object, number>();

  constructor(
    readonly limits: ExpressionLimits,
    now: number = Date.now(),
  ) {
    this.startedAt = now;
    this.deadline = now + limits.timeoutMs;
  }

  /** Records and throws the breach of `limit` (or the earlier breach, if any). */
  fail(limit: ExpressionLimit): never {
    this.breach ??= new ExpressionLimitExceeded(limit, limitMessage(limit, this.limits));
    throw this.breach;
  }

  checkTime(): void {
    if (this.breach) throw this.breach;
    if (Date.now() > this.deadline) this.fail('time');
  }

  checkItems(count: number): void {
    if (count > this.limits.maxItems) this.fail('items');
  }

  checkStringLength(length: number): void {
    if (length > this.limits.maxStringLength) this.fail('string');
  }

  /** Adds estimated bytes to this evaluation and to the process-wide total. */
  charge(bytes: number): void {
    if (this.released) return;
    this.charged += bytes;
    sharedCharged += bytes;
    if (this.charged > this.limits.memoryBytes) this.fail('memory');
    if (sharedCharged > SHARED_EXPRESSION_MEMORY_BYTES) this.fail('shared-memory');
  }

  /** Returns this evaluation's charge to the process-wide total; call once when it ends. */
  release(): void {
    if (this.released) return;
    this.released = true;
    sharedCharged -= this.charged;
  }

  /** Estimated bytes charged so far. */
  chargedBytes(): number {
    return this.charged;
  }

  /**
   * Checks the result of one evaluation frame. Frames of `node` types that
   * only pass an existing value on are not measured, unless a predicate or a
   * group-by (which build new values) is attached to them.
   */
  observe(node: FrameNode, value: unknown): void {
    if (this.breach) throw this.breach;
    if (typeof value === 'string') {
      this.checkStringLength(value.length);
      if (value.length >= CHARGED_STRING_LENGTH && BUILDS_STRINGS.has(node.type)) this.charge(STRING_BYTES + value.length);
    } else if (typeof value === 'object' && value !== null) {
      if (Array.isArray(value)) {
        this.checkItems(value.length);
        // JSONata unwraps a one-item sequence right after this hook: only its item matters.
        if (value.length === 1 && (value as { sequence?: unknown }).sequence === true) {
          this.observe(node, value[0]);
          return;
        }
      }
      if (!PASS_THROUGH.has(node.type) || node.predicate !== undefined || node.group !== undefined) this.measure(value);
    }
  }

  /**
   * Size of `root` counting shared parts as often as they are referenced, in
   * estimated bytes. Containers not seen before in this evaluation are walked
   * (iteratively, so deep values cannot overflow the stack) and charged once.
   */
  measure(root: object): number {
    if (!isContainer(root)) return OBJECT_BYTES;
    const known = this.sizes.get(root);
    if (known !== undefined) return known;
    // Most new containers hold only primitives and values measured already.
    const direct = this.sizeOf(root, false);
    if (direct !== undefined) return direct;
    const expanded = new Set<object>();
    const stack: object[] = [root];
    while (stack.length > 0) {
      const node = stack[stack.length - 1] as object;
      if (this.sizes.has(node)) {
        stack.pop();
      } else if (!expanded.has(node)) {
        expanded.add(node);
        for (const child of Array.isArray(node) ? node : Object.values(node)) {
          if (isContainer(child) && !this.sizes.has(child) && !expanded.has(child)) stack.push(child);
        }
      } else {
        stack.pop();
        this.sizeOf(node, true);
      }
    }
    return this.sizes.get(root) ?? 0;
  }

  /**
   * Sizes, records and charges `node` from its children's recorded sizes.
   * Returns undefined when a child is not measured yet, unless `partial`
   * (then such a child, which can only be a cycle, counts as nothing).
   */
  private sizeOf(node: object, partial: boolean): number | undefined {
    const tally = { own: 0, children: 0 };
    if (Array.isArray(node)) {
      this.checkItems(node.length);
      tally.own = ARRAY_BYTES + SLOT_BYTES * node.length;
      for (let index = 0; index < node.length; index++) {
        if (!this.countChild(node[index] as unknown, partial, tally)) return undefined;
      }
    } else {
      tally.own = OBJECT_BYTES;
      const record = node as Record<string, unknown>;
      for (const key in record) {
        tally.own += PROPERTY_BYTES + key.length;
        if (!this.countChild(record[key], partial, tally)) return undefined;
      }
    }
    const { own, children } = tally;
    const total = own + children;
    if (total > this.limits.memoryBytes) this.fail('memory');
    this.sizes.set(node, total);
    this.charge(own);
    return total;
  }

  /**
   * Adds one child of a container to `tally`: a string's bytes to `own`, a
   * container's recorded size to `children`. False when a container is not
   * measured yet and a partial answer is not wanted.
   */
  private countChild(child: unknown, partial: boolean, tally: { own: number; children: number }): boolean {
    if (typeof child === 'string') {
      this.checkStringLength(child.length);
      tally.own += STRING_BYTES + child.length;
    } else if (isContainer(child)) {
      const size = this.sizes.get(child);
      if (size === undefined && !partial) return false;
      tally.children += size ?? 0;
    }
    return true;
  }
}

/** Arrays and objects, but not JSONata functions (whose closures hold the whole context). */
function isContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return marked._jsonata_lambda !== true && marked._jsonata_function !== true;
}

