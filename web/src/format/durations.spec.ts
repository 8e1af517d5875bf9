import { formatDuration } from './durations';

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [1234, '1.2 s'],
    [42_400, '42 s'],
    [245_000, '4 m 05 s'],
    [7_800_000, '2 h 10 m'],
    [Number.NaN, '—'],
  ])('writes %p ms as %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
