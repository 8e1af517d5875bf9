import { evaluateExpression, type ExpressionOptions, parseExpression } from './evaluate-expression';
import { sharedExpressionBytes } from './evaluation-budget';

describe('evaluateExpression', () => {
  const setup = (context: unknown = { event: { amount: 120, items: [1, 2, 3] }, steps: { n1: { ok: true } }, input: 'in' }) => ({
    run: (source: string, options?: ExpressionOptions) => evaluateExpression(source, context, options),
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

  it('drops functions from results, also inside objects', async () => {
    await expect(setup().run('{ "f": function($x){ $x }, "n": 1 }')).resolves.toEqual({ ok: true, value: { n: 1 } });
  });

  it('yields undefined for a path that matches nothing', async () => {
    await expect(setup().run('event.missing')).resolves.toEqual({ ok: true, value: undefined });
  });

  it('reports runtime errors as values', async () => {
    const result = await setup().run('$number("abc") + event.missing.x + $error("boom")');
    expect(result.ok).toBe(false);
  });

  it('keeps error messages short, whatever value they quote', async () => {
    const result = await setup().run('$error($pad("", 500000, "x"))');
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/^x{1000}… \(at \d+\)$/) });
  });

  it('reports a parse error as a value', async () => {
    const result = await setup().run('event.amount >');
    expect(result).toEqual({ ok: false, error: expect.any(String) });
  });

  it('stops an infinite (tail-)recursion at the time limit, naming it', async () => {
    const started = Date.now();
    const result = await setup().run('($f := function($n){ $f($n+1) }; $f(0))', { timeoutMs: 200 });
    expect(result).toEqual({ ok: false, error: 'exceeded the 200 ms time limit', limit: 'time' });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('stops a heavy loop at the time limit', async () => {
    const result = await setup().run('$reduce([1..100000], function($sum, $n){ $sum + $n * 2 })', { timeoutMs: 100 });
    expect(result).toEqual({ ok: false, error: 'exceeded the 100 ms time limit', limit: 'time' });
  });

  it('stops deep non-tail recursion at the depth limit', async () => {
    const result = await setup().run('($f := function($n){ $n > 0 ? 1 + $f($n-1) : 0 }; $f(1000))', { maxDepth: 300 });
    expect(result).toEqual({ ok: false, error: 'exceeded the limit of 300 nested evaluation frames', limit: 'depth' });
  });

  it('allows moderate recursion within the default limits', async () => {
    await expect(setup().run('($f := function($n){ $n > 0 ? $n + $f($n-1) : 0 }; $f(100))')).resolves.toEqual({ ok: true, value: 5050 });
  });

  it('evaluates the same cached expression against different contexts', async () => {
    await expect(evaluateExpression('a + 1', { a: 1 })).resolves.toEqual({ ok: true, value: 2 });
    await expect(evaluateExpression('a + 1', { a: 41 })).resolves.toEqual({ ok: true, value: 42 });
  });

  it('returns its memory to the shared budget when it ends, also after a failure', async () => {
    const before = sharedExpressionBytes();
    await setup().run('[1..5000].{ "n": $ }');
    await setup().run('[1..1000].[[1..100000]]');
    expect(sharedExpressionBytes()).toBe(before);
  });

  it('refuses results nested deeper than 1,000 levels', async () => {
    const result = await setup().run('$reduce([1..1500], function($nested, $n){ [[$nested]] }, [])');
    expect(result).toEqual({ ok: false, error: 'produced a value nested deeper than 1,000 levels', limit: 'nesting' });
  });

  it('does not let a reference to the budget binding resolve', async () => {
    await expect(setup().run('$sluice')).resolves.toEqual({ ok: true, value: undefined });
  });
});

/**
 * Expressions that ended the process, held it for seconds or minutes, or
 * grew the heap without bound before the limits. Each now succeeds quickly
 * (a bounded implementation finishes it) or fails fast, naming its limit.
 */
describe('evaluateExpression against costly expressions', () => {
  const run = async (source: string, options: ExpressionOptions = {}) => {
    const started = Date.now();
    const result = await evaluateExpression(source, { event: { text: 'a'.repeat(30) } }, options);
    return { result, ms: Date.now() - started };
  };

  describe('built-ins with bounded replacements', () => {
    it('$sort of 100,000 numbers (JSONata: out of memory) sorts in n log n', async () => {
      const { result, ms } = await run('($sorted := $sort($reverse([1..100000])); [$sorted[0], $sorted[99999]])');
      expect(result).toEqual({ ok: true, value: [1, 100000] });
      expect(ms).toBeLessThan(3000);
    });

    it('$sort with a comparator checks the deadline between comparisons', async () => {
      const { result, ms } = await run('$sort([1..100000], function($a, $b){ $a < $b })', { timeoutMs: 200 });
      expect(result).toMatchObject({ ok: false, limit: 'time' });
      expect(ms).toBeLessThan(3000);
    });

    it('$distinct of 100,000 numbers (JSONata: quadratic, minutes) is linear', async () => {
      const { result, ms } = await run('$count($distinct($append([1..50000], [1..50000])))');
      expect(result).toEqual({ ok: true, value: 50000 });
      expect(ms).toBeLessThan(3000);
    });

    it('$distinct of 20,000 different objects is linear too', async () => {
      const items = Array.from({ length: 20000 }, (_, index) => ({ k: index, v: [index % 5], name: `item ${index}` }));
      const started = Date.now();
      const result = await evaluateExpression('$count($distinct($append(event.items, event.items)))', { event: { items } });
      expect(result).toEqual({ ok: true, value: 20000 });
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('$pad to 100,000,000 characters (JSONata: builds it first) fails at once', async () => {
      const { result, ms } = await run('$pad("", 100000000)');
      expect(result).toEqual({ ok: false, error: 'produced a string longer than 1,048,576 characters', limit: 'string' });
      expect(ms).toBeLessThan(1500);
    });

    it('$pad with a long fill string fails before repeating it', async () => {
      const { result } = await run('$pad("", 900000, $pad("", 900000, "x"))');
      expect(result).toMatchObject({ ok: true });
      const { result: tooLong, ms } = await run('$pad("", -1100000, $pad("", 900000, "x"))');
      expect(tooLong).toMatchObject({ ok: false, limit: 'string' });
      expect(ms).toBeLessThan(1500);
    });

    it('$replace that multiplies its input fails at the string cap', async () => {
      const { result, ms } = await run('$replace($pad("", 100000, "a"), "a", $pad("", 1000, "b"))');
      expect(result).toMatchObject({ ok: false, limit: 'string' });
      expect(ms).toBeLessThan(1500);
    });

    it('$join of many long strings fails before joining', async () => {
      const { result, ms } = await run('$join([1..2000].($pad("", 1000, "x")))');
      expect(result).toMatchObject({ ok: false, limit: 'string' });
      expect(ms).toBeLessThan(3000);
    });

    it('$string of a value whose text passes the cap stops serialising', async () => {
      await expect(run('$length($string([1..100000]))')).resolves.toMatchObject({ result: { ok: true, value: 588896 } });
      const { result, ms } = await run('$string([[1..100000], [1..100000]])');
      expect(result).toEqual({ ok: false, error: 'produced a string longer than 1,048,576 characters', limit: 'string' });
      expect(ms).toBeLessThan(3000);
      const pretty = await run('$string($reduce([1..900], function($v, $n){ { "v": $v, "n": $n } }, {}), true)');
      expect(pretty.result).toMatchObject({ ok: false, limit: 'string' });
    });

    it('$split into a million pieces fails at the item cap', async () => {
      const { result } = await run('$split($pad("", 1000000, "a"), "")');
      expect(result).toEqual({ ok: false, error: 'produced more than 100,000 items', limit: 'items' });
    });

    it('$eval is not available', async () => {
      const { result } = await run('$eval("$sort([1..100000])")');
      expect(result).toEqual({ ok: false, error: expect.stringContaining('$eval is not available') });
    });

    it('picture strings are capped ($formatNumber, $formatInteger, $fromMillis, $now)', async () => {
      for (const source of [
        '$formatNumber(1, $pad("", 100000, "#"))',
        '$formatInteger(1, $pad("", 100000, "#") & "0")',
        '$fromMillis(0, $join([1..1000].("[Y]")))',
        '$now($join([1..1000].("[Y]")))',
      ]) {
        const { result, ms } = await run(source);
        expect(result).toEqual({ ok: false, error: 'used a picture string longer than 1,000 characters', limit: 'picture' });
        expect(ms).toBeLessThan(1500);
      }
    });
  });

  describe('regular expressions run on RE2', () => {
    const catastrophic = '/(a+)+$/';

    it.each([
      ['$match', `$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", ${catastrophic})`, undefined],
      ['$contains', `$contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", ${catastrophic})`, false],
      ['$replace', `$replace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", ${catastrophic}, "x")`, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'],
      ['$split', '$split("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+b/)', ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!']],
      ['a filter predicate', `event[$contains(text & "!", ${catastrophic})]`, undefined],
    ])('%s with (a+)+$ on a near-match (JSONata: exponential) answers at once', async (_name, source, expected) => {
      const { result, ms } = await run(source);
      expect(result).toEqual({ ok: true, value: expected });
      expect(ms).toBeLessThan(1500);
    });

    it('matches a megabyte in linear time', async () => {
      const { result, ms } = await run('$contains($pad("", 1000000, "a") & "!", /(a|aa)+!$/)');
      expect(result).toEqual({ ok: true, value: true });
      expect(ms).toBeLessThan(3000);
    });

    it('refuses a search that could take seconds even in linear time, naming the limit', async () => {
      const { result, ms } = await run('$contains($pad("", 100000, "ab"), /(?:(a|b){999}(x|a))(c|d)/)');
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/^ran the regular expression .* more than the limit of 30,000,000/), limit: 'regex' });
      expect(ms).toBeLessThan(1500);
    });

    it('$toMillis with a picture that backtracks polynomially runs on RE2 too', async () => {
      const { result, ms } = await run('$toMillis($pad("", 5000, "a") & "1", "[MNn][FNn][MNn]")');
      expect(result).toEqual({ ok: true, value: undefined });
      expect(ms).toBeLessThan(3000);
    });

    it('refuses a pattern RE2 cannot express, saying why', async () => {
      const { result } = await run('$match("ab", /a(?=b)/)');
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/regular expression \/a\(\?=b\)\/ is not supported.*linear time/) });
    });
  });

  describe('caps on everything an expression builds', () => {
    it('a range of ten million items fails before it is allocated', async () => {
      const { result, ms } = await run('$count([1..10000000])');
      expect(result).toEqual({ ok: false, error: 'produced more than 100,000 items', limit: 'items' });
      expect(ms).toBeLessThan(1500);
    });

    it('$map over a huge range fails at the item cap', async () => {
      const { result } = await run('$map([1..1000000], function($x){ $x })');
      expect(result).toMatchObject({ ok: false, limit: 'items' });
    });

    it('an object constructor over a huge range fails at the item cap', async () => {
      const { result } = await run('[1..1000000].{ "k" & $: $ }');
      expect(result).toMatchObject({ ok: false, limit: 'items' });
    });

    it('$append in a $reduce loop fails at the item cap', async () => {
      const { result, ms } = await run('$reduce([1..1000], function($all, $n){ $append($all, [1..1000]) }, [])');
      expect(result).toMatchObject({ ok: false, limit: 'items' });
      expect(ms).toBeLessThan(3000);
    });

    it('a string doubled forty times fails at the string cap', async () => {
      const { result, ms } = await run('($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f("a", 40)))');
      expect(result).toEqual({ ok: false, error: 'produced a string longer than 1,048,576 characters', limit: 'string' });
      expect(ms).toBeLessThan(1500);
    });

    it('a thousand arrays of 100,000 items fail at the memory limit', async () => {
      const { result, ms } = await run('$count([1..1000].[[1..100000]])');
      expect(result).toEqual({ ok: false, error: 'exceeded the 32 MiB memory limit', limit: 'memory' });
      expect(ms).toBeLessThan(3000);
    });

    it('a value that shares its parts 2^30 times fails before JSONata walks it', async () => {
      for (const walk of ['$string($v)', '$v = $w', '$count($v.**)', '$length($v & "")']) {
        const source = `($f := function($v, $n){ $n = 0 ? $v : $f({ "l": $v, "r": $v }, $n - 1) }; $v := $f([1..1000], 30); $w := $f([1..1000], 30); ${walk})`;
        const { result, ms } = await run(source);
        expect(result).toMatchObject({ ok: false, limit: 'memory' });
        expect(ms).toBeLessThan(1500);
      }
    });

    it('distinct megabyte strings held by a recursion fail at the memory limit', async () => {
      const source = '($f := function($n){ $n = 0 ? 0 : ($s := $pad("", 1000000, $string($n % 10)); $f($n - 1) + $n) }; $f(500))';
      const { result, ms } = await run(source);
      expect(result).toMatchObject({ ok: false, limit: 'memory' });
      expect(ms).toBeLessThan(3000);
    });

    it('order-by of 100,000 items stops at the time limit', async () => {
      const { result, ms } = await run('$count([1..100000]^($))', { timeoutMs: 200 });
      expect(result).toEqual({ ok: false, error: 'exceeded the 200 ms time limit', limit: 'time' });
      expect(ms).toBeLessThan(3000);
    });

    it('still runs work that is large but within the limits', async () => {
      const { result } = await run('{ "n": $count($sort($reverse([1..100000]))), "z": $count($zip([1..50000], [1..50000])), "s": $sum([1..100000]) }');
      expect(result).toEqual({ ok: true, value: { n: 100000, z: 50000, s: 5000050000 } });
    });
  });
});

describe('parseExpression', () => {
  it('returns undefined for valid JSONata', () => {
    expect(parseExpression('event.amount > 100')).toBeUndefined();
    expect(parseExpression('$match(event.email, /^[a-z]+@(example|test)\\.com$/i)')).toBeUndefined();
  });

  it('returns the parse error message for invalid JSONata', () => {
    expect(parseExpression('event.(')).toEqual(expect.any(String));
    expect(parseExpression('"unterminated')).toMatch(/string/i);
  });

  it('refuses regular expressions that RE2 cannot run', () => {
    expect(parseExpression('$replace(event.text, /(a)\\1/, "")')).toMatch(/regular expression .* is not supported/);
    expect(parseExpression('{ "x": [$match(event.text, /(?<=a)b/)] }')).toMatch(/is not supported/);
  });
});
