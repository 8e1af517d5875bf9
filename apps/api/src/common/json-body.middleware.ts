import express, { type RequestHandler } from 'express';

/**
 * JSON bodies only, up to SLUICE_MAX_BODY bytes. A POST or PUT with a body of
 * another media type is refused with 415 rather than read as empty.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, strict: false, type: ['application/json', 'application/*+json'] });
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
