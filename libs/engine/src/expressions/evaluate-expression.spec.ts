import { evaluateExpression, parseExpression } from './evaluate-expression';

describe('evaluateExpression', () => {
  const setup = (context: unknown = { event: { amount: 120, items: [1, 2, 3] }, steps: { n1: { ok: true } }, input: 'in' }) => ({
    run: (source: string, options?: { timeoutMs?: number; maxDepth?: number }) => evaluateExpression(source, context, options),
  });

  it('evaluates against the { event, steps, input } context', async () => {
    const { run } = setup();
    await expect(run('event.amount > 100')).resolves.toEqual({ ok: true, value: true });
    await expect(run('steps.n1.ok and input = "in"')).resolves.toEqual({ ok: true, value: true });
  });

  it('returns plain arrays and objects, not JSONata sequences', async () => {
    const { run } = setup();
    const result = await run('{ "doubled": event.items.($ * 2) }');
    expect(result).toEqual({ ok: true, value: { doubled: [2, 4, 6] } });
    if (result.ok) expect(JSON.parse(JSON.stringify(result.value))).toEqual({ doubled: [2, 4, 6] });
  });

  it('yields undefined for a path that matches nothing', async () => {
    await expect(setup().run('event.missing')).resolves.toEqual({ ok: true, value: undefined });
  });

  it('reports runtime errors as values', async () => {
    const result = await setup().run('$number("abc") + event.missing.x + $error("boom")');
    expect(result.ok).toBe(false);
  });

  it('reports a parse error as a value', async () => {
    const result = await setup().run('event.amount >');
    expect(result).toEqual({ ok: false, error: expect.any(String) });
  });

  it('stops an infinite (tail-)recursion at the time limit', async () => {
    const started = Date.now();
    const result = await setup().run('($f := function($n){ $f($n+1) }; $f(0))', { timeoutMs: 200 });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/timeout/i) });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops a heavy loop at the time limit', async () => {
    const result = await setup().run('$sum([1..5000000].($ * 2))', { timeoutMs: 100 });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/timeout/i) });
  });

  it('stops deep non-tail recursion at the depth limit', async () => {
    const result = await setup().run('($f := function($n){ $n > 0 ? 1 + $f($n-1) : 0 }; $f(1000))', { maxDepth: 300 });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/stack overflow/i) });
  });

  it('allows moderate recursion within the default limits', async () => {
    await expect(setup().run('($f := function($n){ $n > 0 ? $n + $f($n-1) : 0 }; $f(100))')).resolves.toEqual({ ok: true, value: 5050 });
  });

  it('evaluates the same cached expression against different contexts', async () => {
    await expect(evaluateExpression('a + 1', { a: 1 })).resolves.toEqual({ ok: true, value: 2 });
    await expect(evaluateExpression('a + 1', { a: 41 })).resolves.toEqual({ ok: true, value: 42 });
  });
});

describe('parseExpression', () => {
  it('returns undefined for valid JSONata', () => {
    expect(parseExpression('event.amount > 100')).toBeUndefined();
  });

  it('returns the parse error message for invalid JSONata', () => {
    expect(parseExpression('event.(')).toEqual(expect.any(String));
    expect(parseExpression('"unterminated')).toMatch(/string/i);
  });
});
