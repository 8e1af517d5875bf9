import { checkRoutingKey, checkTopicPattern, matchTopic } from './topic-pattern';

/**
 * RabbitMQ's topic exchange is the reference: the first block is its tutorial
 * five ("Topics"), the rest are the edges where matchers go wrong. Every row
 * gives what a live RabbitMQ topic exchange routes for that binding and key.
 */
const RABBITMQ_TUTORIAL = ['*.orange.*', '*.*.rabbit', 'lazy.#'] as const;
const TUTORIAL_KEYS: ReadonlyArray<[string, readonly string[]]> = [
  ['quick.orange.rabbit', ['*.orange.*', '*.*.rabbit']],
  ['lazy.orange.elephant', ['*.orange.*', 'lazy.#']],
  ['quick.orange.fox', ['*.orange.*']],
  ['lazy.brown.fox', ['lazy.#']],
  ['lazy.pink.rabbit', ['*.*.rabbit', 'lazy.#']],
  ['quick.brown.fox', []],
  ['orange', []],
  ['quick.orange.new.rabbit', []],
  ['lazy.orange.new.rabbit', ['lazy.#']],
  ['lazy', ['lazy.#']],
];

describe('matchTopic', () => {
  describe.each(TUTORIAL_KEYS)('RabbitMQ tutorial: %s', (topic, routedTo) => {
    it.each(RABBITMQ_TUTORIAL.map((pattern) => [pattern, routedTo.includes(pattern)]))(
      'binding %s → %s',
      (pattern, expected) => {
        expect(matchTopic(pattern, topic)).toBe(expected);
      },
    );
  });

  it.each([
    // Plain words and `*`: exactly one word each.
    ['orders.created', 'orders.created', true],
    ['orders.created', 'orders.deleted', false],
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders', false],
    ['orders.*', 'orders.created.eu', false],
    ['*.created', 'orders.created', true],
    ['*.created', 'created', false],
    ['*.*', 'a.b', true],
    ['*.*', 'a', false],
    // `#` alone matches every key, the empty one included.
    ['#', 'anything.at.all', true],
    ['#', 'x', true],
    ['#', '', true],
    ['#.#', 'x', true],
    // `#` matching zero words, at the end, the start and the middle.
    ['orders.#', 'orders', true],
    ['orders.#', 'orders.created.eu', true],
    ['#.x', 'x', true],
    ['#.x', 'a.x', true],
    ['#.x', 'a.b.x', true],
    ['#.x', 'x.a', false],
    ['#.x', 'a', false],
    ['a.#.b', 'a.b', true],
    ['a.#.b', 'a.c.d.b', true],
    ['a.#.b', 'a', false],
    ['a.#.b', 'a.b.c', false],
    ['a.#.#.b', 'a.b', true],
    ['a.*.#', 'a', false],
    ['a.*.#', 'a.b', true],
    ['#.*', '', false],
    ['*.#', 'a', true],
    // Empty words are words: `a..b` has three, `a.` has two.
    ['a.*.b', 'a..b', true],
    ['a.b', 'a..b', false],
    ['a.#', 'a.', true],
    ['a.*', 'a.', true],
    ['*.*', '.', true],
    ['a..b', 'a..b', true],
    ['a..b', 'a.b', false],
    // An empty key has no words: only `#` or an empty binding matches it.
    ['*', '', false],
    ['', '', true],
    ['', 'a', false],
    ['*', 'a', true],
    // Backtracking stays polynomial.
    ['#.#.#.x', 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p', false],
    ['#.#.#.p', 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p', true],
  ])('%j vs %j → %s', (pattern, topic, expected) => {
    expect(matchTopic(pattern, topic)).toBe(expected);
  });
});

describe('checkTopicPattern', () => {
  it('accepts words and wildcards', () => {
    expect(checkTopicPattern('orders.*.eu-west_1.#')).toBeUndefined();
  });

  it.each(['', 'orders..x', 'orders.cre*ted', 'a b', 'x'.repeat(256)])('rejects %j', (pattern) => {
    expect(checkTopicPattern(pattern)).toEqual(expect.any(String));
  });
});

describe('checkRoutingKey', () => {
  it('accepts a plain routing key', () => {
    expect(checkRoutingKey('orders.created')).toBeUndefined();
  });

  it('rejects wildcards and bad words', () => {
    expect(checkRoutingKey('orders.*')).toMatch(/wildcards/);
    expect(checkRoutingKey('orders.#')).toMatch(/wildcards/);
    expect(checkRoutingKey('orders..x')).toMatch(/invalid word/);
    expect(checkRoutingKey('')).toMatch(/empty/);
  });
});
