import { topicMatches } from './topic-matches';

describe('topicMatches', () => {
  it.each([
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders.eu.created', false],
    ['orders.*', 'orders', false],
    ['orders.#', 'orders', true],
    ['orders.#', 'orders.eu.created', true],
    ['#', 'anything.at.all', true],
    ['#', 'x', true],
    ['*.created', 'orders.created', true],
    ['*.created', 'created', false],
    ['#.created', 'created', true],
    ['#.created', 'orders.eu.created', true],
    ['#.created', 'orders.created.late', false],
    ['orders.#.created', 'orders.created', true],
    ['orders.#.created', 'orders.a.b.created', true],
    ['orders.#.#.created', 'orders.created', true],
    ['*.*', 'a.b', true],
    ['*.*', 'a', false],
    ['orders.created', 'orders.created', true],
    ['orders.created', 'orders.updated', false],
  ])('%s matches %s: %s', (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });
});
