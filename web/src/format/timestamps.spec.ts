import { formatAgo, formatClock, formatOffset } from './timestamps';

describe('timestamps', () => {
  it('writes the local time of day with milliseconds', () => {
    const at = new Date(2026, 0, 2, 14, 2, 3, 45);
    expect(formatClock(at.toISOString())).toBe('14:02:03.045');
    expect(formatClock('not a time')).toBe('');
  });

  it('writes how long ago, against the given now', () => {
    const now = Date.parse('2026-01-02T12:00:00.000Z');
    expect(formatAgo('2026-01-02T11:59:58.000Z', now)).toBe('just now');
    expect(formatAgo('2026-01-02T11:59:30.000Z', now)).toBe('30s ago');
    expect(formatAgo('2026-01-02T11:57:00.000Z', now)).toBe('3 min ago');
    expect(formatAgo('2026-01-02T09:00:00.000Z', now)).toBe('3 h ago');
  });

  it('writes the offset from the start of a timeline', () => {
    const start = '2026-01-02T12:00:00.000Z';
    expect(formatOffset('2026-01-02T12:00:00.250Z', start)).toBe('+250 ms');
    expect(formatOffset('2026-01-02T12:00:01.250Z', start)).toBe('+1.25 s');
    expect(formatOffset('2026-01-02T12:02:05.000Z', start)).toBe('+2 m 05 s');
  });
});
