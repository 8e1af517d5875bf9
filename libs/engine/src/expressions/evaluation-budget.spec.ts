import { EvaluationBudget, sharedExpressionBytes } from './evaluation-budget';
import { ExpressionLimitExceeded, resolveLimits, SHARED_EXPRESSION_MEMORY_BYTES } from './expression-limits';

describe('EvaluationBudget', () => {
  const setup = (options: Parameters<typeof resolveLimits>[0] = {}) => {
    const budget = new EvaluationBudget(resolveLimits(options));
    return { budget, limitOf: (work: () => unknown) => captureLimit(work) };
  };

  function captureLimit(work: () => unknown): string | undefined {
    try {
      work();
      return undefined;
    } catch (error) {
      if (error instanceof ExpressionLimitExceeded) return error.limit;
      throw error;
    }
  }

  it('measures a value once and charges its own bytes', () => {
    const { budget } = setup();
    const value = { a: [1, 2, 3], b: 'text' };
    const size = budget.measure(value);
    expect(size).toBeGreaterThan(0);
    const charged = budget.chargedBytes();
    expect(budget.measure(value)).toBe(size);
    expect(budget.chargedBytes()).toBe(charged);
    budget.release();
  });

  it('counts shared parts as often as they are referenced, but charges them once', () => {
    const { budget } = setup();
    const leaf = Array.from({ length: 1000 }, (_, index) => index);
    const leafSize = budget.measure(leaf);
    let value: object = leaf;
    for (let level = 0; level < 10; level++) value = { l: value, r: value };
    const size = budget.measure(value);
    expect(size).toBeGreaterThan(1024 * leafSize);
    expect(budget.chargedBytes()).toBeLessThan(2 * leafSize);
    budget.release();
  });

  it('fails when a shared value would be larger than the memory limit', () => {
    const { budget, limitOf } = setup({ memoryBytes: 1024 * 1024 });
    let value: object = Array.from({ length: 1000 }, (_, index) => index);
    const build = () => {
      for (let level = 0; level < 30; level++) {
        value = { l: value, r: value };
        budget.measure(value);
      }
    };
    expect(limitOf(build)).toBe('memory');
    budget.release();
  });

  it('walks deep values without overflowing the stack', () => {
    const { budget } = setup();
    let deep: unknown[] = [];
    for (let level = 0; level < 100000; level++) deep = [deep];
    expect(budget.measure(deep)).toBeGreaterThan(100000);
    budget.release();
  });

  it('checks the items of arrays and the length of strings inside values', () => {
    const { budget, limitOf } = setup({ maxItems: 10, maxStringLength: 5 });
    expect(limitOf(() => budget.measure({ list: Array.from({ length: 11 }, () => 0) }))).toBe('items');
    const other = setup({ maxItems: 10, maxStringLength: 5 });
    expect(other.limitOf(() => other.budget.measure({ name: 'abcdef' }))).toBe('string');
  });

  it('does not measure frames that pass an existing value on, unless they filter or group it', () => {
    const { budget } = setup();
    const input = { big: Array.from({ length: 1000 }, (_, index) => ({ index })) };
    budget.observe({ type: 'name' }, input);
    budget.observe({ type: 'variable' }, input);
    expect(budget.chargedBytes()).toBe(0);
    budget.observe({ type: 'variable', predicate: [] }, input.big);
    expect(budget.chargedBytes()).toBeGreaterThan(0);
    budget.release();
  });

  it('keeps the first breach: every later check throws it again', () => {
    const { budget, limitOf } = setup({ maxItems: 1 });
    expect(limitOf(() => budget.observe({ type: 'path' }, [1, 2]))).toBe('items');
    expect(limitOf(() => budget.observe({ type: 'path' }, 'fine'))).toBe('items');
    expect(limitOf(() => budget.checkTime())).toBe('items');
    budget.release();
  });

  it('shares one bound across the evaluations in progress and returns it when they end', () => {
    const before = sharedExpressionBytes();
    const chunk = SHARED_EXPRESSION_MEMORY_BYTES / 4;
    const budgets = Array.from({ length: 5 }, () => new EvaluationBudget(resolveLimits({ memoryBytes: chunk * 2 })));
    const outcomes = budgets.map((budget) => captureLimit(() => budget.charge(chunk)));
    expect(outcomes.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(outcomes[4]).toBe('shared-memory');
    for (const budget of budgets) budget.release();
    expect(sharedExpressionBytes()).toBe(before);
  });

  it('passes the deadline after the time limit', async () => {
    const { budget, limitOf } = setup({ timeoutMs: 20 });
    expect(limitOf(() => budget.checkTime())).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(limitOf(() => budget.checkTime())).toBe('time');
    budget.release();
  });
});
