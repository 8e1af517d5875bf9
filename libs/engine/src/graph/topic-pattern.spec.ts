import { checkRoutingKey, checkTopicPattern, matchTopic } from './topic-pattern';

describe('matchTopic', () => {
  it.each([
    ['orders.created', 'orders.created', true],
    ['orders.created', 'orders.deleted', false],
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders', false],
    ['orders.*', 'orders.created.eu', false],
    ['*.created', 'orders.created', true],
    ['orders.#', 'orders', true],
    ['orders.#', 'orders.created.eu', true],
    ['#', 'anything.at.all', true],
    ['#.eu', 'orders.created.eu', true],
    ['#.eu', 'eu', true],
    ['#.eu', 'orders.us', false],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.*.#', 'a', false],
    ['a.*.#', 'a.b', true],
    ['#.#.#.x', 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p', false],
  ])('%s vs %s → %s', (pattern, topic, expected) => {
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
