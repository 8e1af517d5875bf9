import type { Response } from 'express';

/**
 * A signal that aborts once the client's connection closes before its
 * answer was sent, so work done only for that answer can stop.
 */
export function clientGone(response: Response): AbortSignal {
  const abort = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  return abort.signal;
}
