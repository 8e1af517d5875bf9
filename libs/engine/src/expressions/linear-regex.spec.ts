import { compileLinear, describeRegexProblem, LinearRegExp, withLinearRegExp } from './linear-regex';

describe('LinearRegExp', () => {
  const setup = (source: string, flags = 'g') => new LinearRegExp(new RegExp(source, flags));

  it('walks the matches of a global pattern through lastIndex, like a RegExp', () => {
    const native = /(\w)o/g;
    const linear = setup('(\\w)o');
    const text = 'foo boo zoo';
    for (;;) {
      const expected = native.exec(text);
      const actual = linear.exec(text);
      expect(actual === null).toBe(expected === null);
      if (expected === null || actual === null) break;
      expect([...actual]).toEqual([...expected]);
      expect(actual.index).toBe(expected.index);
      expect(linear.lastIndex).toBe(native.lastIndex);
    }
    expect(linear.lastIndex).toBe(0);
  });

  it('reports unmatched groups as undefined and indices in UTF-16 code units', () => {
    const match = setup('(a)|(x)').exec('é😀x');
    expect(match && [...match]).toEqual(['x', undefined, 'x']);
    expect(match?.index).toBe(3);
  });

  it('honours the i and m flags and anchors ^ at the start of the input', () => {
    expect(setup('^b', 'gi').exec('ab')).toBeNull();
    expect(setup('^B', 'gim').exec('a\nb')?.index).toBe(2);
    const fromOne = setup('^a');
    fromOne.lastIndex = 1;
    expect(fromOne.exec('aa')).toBeNull();
  });

  it('always starts from the beginning without the g flag', () => {
    const plain = new LinearRegExp('a', 'i');
    expect(plain.exec('xAx')?.index).toBe(1);
    expect(plain.exec('xAx')?.index).toBe(1);
  });

  it('matches catastrophic patterns in linear time', () => {
    const started = Date.now();
    expect(setup('(a+)+$').exec(`${'a'.repeat(100000)}!`)).toBeNull();
    expect(setup('(x+x+)+y').exec('x'.repeat(100000))).toBeNull();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses a search whose program size times input length could hold the process', () => {
    const costly = setup('(?:(a|b){999}(x|a))(c|d)');
    const started = Date.now();
    expect(() => costly.exec('ab'.repeat(50000))).toThrow(/over 100,000 characters, which may take 300,500,000 steps, more than the limit of 30,000,000/);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(costly.exec('ab'.repeat(100))).toBeNull();
    expect(setup('(\\w+)@(\\w+)\\.com').exec(`${'hello world '.repeat(90000)}ada@example.com`)?.index).toBe(1080000);
  });

  it('refuses lookaround and backreferences with a message that says why', () => {
    expect(() => setup('a(?=b)')).toThrow();
    expect(describeRegexProblem(/a(?=b)/g)).toMatch(/^regular expression \/a\(\?=b\)\/ is not supported: .*linear time/);
    expect(describeRegexProblem(/(a)\1/)).toMatch(/is not supported/);
    expect(describeRegexProblem(/(?<=a)b/)).toMatch(/is not supported/);
    expect(describeRegexProblem(/(?<year>\d{4})-\d\d/i)).toBeUndefined();
  });

  it('compiles each pattern once', () => {
    expect(compileLinear('a+b', 'g')).toBe(compileLinear('a+b', 'g'));
    expect(compileLinear('a+b', 'gi')).not.toBe(compileLinear('a+b', 'g'));
  });
});

describe('withLinearRegExp', () => {
  it('swaps the global RegExp for the duration of the work only', () => {
    const original = RegExp;
    const inside = withLinearRegExp(() => new RegExp('(a+)+$', 'i'));
    expect(inside).toBeInstanceOf(LinearRegExp);
    expect(RegExp).toBe(original);
  });

  it('restores RegExp when the work throws', () => {
    const original = RegExp;
    expect(() =>
      withLinearRegExp(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(RegExp).toBe(original);
  });
});
