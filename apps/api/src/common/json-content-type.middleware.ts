import type { RequestHandler } from 'express';
import { sendError } from './error-response';

/** Methods that change state; each needs a JSON content type. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `application/json` or a `+json` type, with any parameters (charset). */
const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

/** True when a Content-Type header value names a JSON media type. */
export function isJsonContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType !== undefined && JSON_MEDIA_TYPE.test(mediaType);
}

/**
 * Every POST, PUT, PATCH and DELETE needs `Content-Type: application/json`,
 * even with an empty body. A cross-site page can send a form or a "simple"
 * fetch (urlencoded, multipart or text/plain) to a local Sluice without a
 * CORS preflight, but not a JSON one, so this closes cross-site writes, also
 * to routes that read no body (archive, retry, redrive, discard). Answers 415
 * before any route runs, so nothing is written.
 */
export function requireJsonContentType(): RequestHandler {
  return (request, response, next) => {
    if (!STATE_CHANGING.has(request.method) || isJsonContentType(request.headers['content-type'])) {
      next();
      return;
    }
    sendError(response, 415, 'unsupported_media_type', `${request.method} requests need Content-Type: application/json, even with an empty body`);
  };
}
