import { InvalidCursorError } from '../store.errors';
import { isUuid } from './sql';

/**
 * Keyset position in the newest-first run list: the last row's `started_at`
 * (as Postgres printed it, so no precision is lost) and id.
 */
export interface RunCursor {
  startedAt: string;
  id: string;
}

/** Opaque to clients: base64url of a JSON pair. */
export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.id]), 'utf8').toString('base64url');
}

export function decodeRunCursor(text: string): RunCursor {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new InvalidCursorError();
  const [startedAt, id] = decoded as unknown[];
  if (typeof startedAt !== 'string' || typeof id !== 'string' || !isUuid(id)) throw new InvalidCursorError();
  if (Number.isNaN(Date.parse(startedAt.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')))) throw new InvalidCursorError();
  return { startedAt, id };
}
