import express, { type RequestHandler } from 'express';
import { scanJsonText } from './json-text-scan';

/** Limits of the JSON body parser. */
export interface JsonBodyLimits {
  /** SLUICE_MAX_BODY, in bytes (after decompression). */
  maxBytes: number;
  /** SLUICE_MAX_JSON_DEPTH: deepest nesting of arrays and objects. */
  maxDepth: number;
}

/** Body-parser error types for bodies refused before parsing; the error filter maps them to codes. */
export const BODY_TOO_DEEP = 'entity.too.deep';
export const BODY_HAS_NUL = 'entity.nul';

/**
 * JSON bodies only, up to SLUICE_MAX_BODY bytes. A POST or PUT with a body of
 * another media type is refused with 415 rather than read as empty.
 *
 * Before `JSON.parse` sees the text, one linear scan refuses (400) a body
 * nested deeper than SLUICE_MAX_JSON_DEPTH, which recursive code further on
 * (validation, JSONata, jsonb) would otherwise have to survive, and a
 * `\u0000` anywhere, which PostgreSQL cannot store and which would fail every
 * trigger committed with it. Bodies must be UTF-8 (RFC 8259); other charsets
 * get 415.
 */
export function jsonBody(limits: JsonBodyLimits): RequestHandler[] {
  const parse = express.json({
    limit: limits.maxBytes,
    strict: false,
    type: ['application/json', 'application/*+json'],
    verify: (_request, _response, body, encoding) => {
      if (encoding !== 'utf-8' && encoding !== 'utf8') {
        throw Object.assign(new Error(`JSON bodies must be UTF-8, not ${encoding.toUpperCase()}`), { status: 415, type: 'charset.unsupported' });
      }
      const problem = scanJsonText(body, limits.maxDepth);
      if (problem?.kind === 'too_deep') {
        throw Object.assign(
          new Error(`The body nests arrays and objects more than ${limits.maxDepth} deep (SLUICE_MAX_JSON_DEPTH); past byte ${problem.offset}`),
          { status: 400, type: BODY_TOO_DEEP },
        );
      }
      if (problem?.kind === 'nul') {
        throw Object.assign(
          new Error(`The body holds a NUL character (\\u0000) at byte ${problem.offset}; no string or key may contain one`),
          { status: 400, type: BODY_HAS_NUL },
        );
      }
    },
  });
  const requireJson: RequestHandler = (request, _response, next) => {
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if ((request.method === 'POST' || request.method === 'PUT') && hasBody && !request.is(['application/json', 'application/*+json'])) {
      next(Object.assign(new Error('Request bodies must be application/json'), { type: 'unsupported.media.type', status: 415 }));
      return;
    }
    next();
  };
  return [requireJson, parse];
}
