import { InvalidCursorError } from '../store.errors';
import { isUuid } from './sql';

/**
 * Keyset position in a list ordered by a timestamp, then id: the last row's
 * timestamp as Postgres printed it (`timestamptz::text`, so no precision is
 * lost) and its id. Runs are listed by `started_at` newest first, flows by
 * `created_at` oldest first.
 */
export interface KeysetCursor {
  at: string;
  id: string;
}

/** Opaque to clients: base64url of a JSON pair. */
export function encodeKeysetCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id]), 'utf8').toString('base64url');
}

/** Longest cursor text accepted; the ones Sluice issues are about 110 characters. */
const MAX_CURSOR_LENGTH = 500;

/**
 * `timestamptz::text` in the ISO DateStyle: `2026-12-01 15:39:09.123456+00`,
 * with an offset of hours and optional minutes and seconds.
 */
const PG_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2})(?::(\d{2}))?)?$/;

/**
 * Reads a cursor back, or throws InvalidCursorError. Everything is checked
 * before it reaches SQL, so a forged cursor cannot make a cast fail there:
 * the id must be a uuid and the time a real calendar time Postgres would print.
 */
export function decodeKeysetCursor(text: string): KeysetCursor {
  if (text.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new InvalidCursorError();
  const [at, id] = decoded as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !isUuid(id) || !isPgTimestamp(at)) throw new InvalidCursorError();
  return { at, id };
}

function isPgTimestamp(text: string): boolean {
  const match = PG_TIMESTAMP.exec(text);
  if (!match) return false;
  // Absent offset minutes and seconds are 0.
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0, offsetSeconds = 0] =
    match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
    && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 15 && offsetMinutes <= 59 && offsetSeconds <= 59;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}
