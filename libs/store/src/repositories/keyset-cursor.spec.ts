import { InvalidCursorError } from '../store.errors';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';

const ID = '0b7c8a57-3f39-4c86-9a52-1f0f3b7e2a10';
const forge = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('keyset cursors', () => {
  it.each([
    '2026-12-01 15:39:09.123456+00',
    '2026-12-01 15:39:09+00',
    '2024-02-29 23:59:59.5+05:30',
    '0001-01-01 00:00:00-03:00:07',
  ])('round-trips %s', (at) => {
    expect(decodeKeysetCursor(encodeKeysetCursor({ at, id: ID }))).toEqual({ at, id: ID });
  });

  it.each([
    ['garbage', 'garbage'],
    ['empty', ''],
    ['a NUL', '\u0000'],
    ['over 500 characters', 'a'.repeat(501)],
    ['not a pair', forge({ a: 1 })],
    ['three items', forge(['2026-12-01 15:39:09+00', ID, 1])],
    ['not a uuid', forge(['2026-12-01 15:39:09+00', 'x'])],
    ['an ISO time with T', forge(['2026-12-01T15:39:09Z', ID])],
    ['year 0', forge(['0000-01-01 00:00:00+00', ID])],
    ['February 30', forge(['2026-02-30 00:00:00+00', ID])],
    ['February 29 of a common year', forge(['2026-02-29 00:00:00+00', ID])],
    ['hour 24', forge(['2026-12-01 24:00:00+00', ID])],
    ['second 60', forge(['2026-12-01 23:59:60+00', ID])],
    ['a 16 h offset', forge(['2026-12-01 00:00:00+16', ID])],
    ['a date string', forge(['Tue Mar 01 2022', ID])],
    ['a five-digit year', forge(['12026-12-01 00:00:00+00', ID])],
  ])('refuses %s', (_name, text) => {
    expect(() => decodeKeysetCursor(text)).toThrow(InvalidCursorError);
  });
});
