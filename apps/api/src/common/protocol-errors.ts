import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody, ErrorCode } from '@sluice/contracts';
import type { RequestHandler } from 'express';
import { sendError } from './error-response';
import { toOriginForm, unreadableTarget } from './request-target';

/** What Node's HTTP parser reports: `code` is `HPE_…` for a malformed request. */
type ParserError = Error & { code?: string };

/** Status per parser error code; anything else malformed is 400. */
const PARSER_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const CODES: Record<number, ErrorCode> = { 400: 'bad_request', 408: 'bad_request', 413: 'payload_too_large', 417: 'bad_request', 431: 'bad_request' };

function errorJson(status: number, message: string): string {
  const body: ErrorBody = { error: { code: CODES[status] ?? 'bad_request', message } };
  return JSON.stringify(body);
}

/**
 * Requests Node's HTTP server refuses before any middleware sees them (a
 * malformed request line or header, headers past 16 KiB, an `Expect` other
 * than 100-continue, an HTTP/1.1 request without `Host`) get their 4xx in the
 * API's error shape too, instead of a bare status line. Node's own Host check
 * is turned off for the returned middleware to do it: mount that early.
 * A request target in absolute form is rewritten to the usual form before
 * any router sees it (`toOriginForm`); one that cannot be read gets 400.
 */
export function answerProtocolErrorsAsJson(server: Server): RequestHandler {
  server.on('clientError', (error: ParserError, socket: Duplex) => {
    // A reset or a socket already answering has nobody left to tell.
    if (error.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const status = PARSER_STATUS[error.code ?? ''] ?? 400;
    const body = errorJson(status, `Malformed HTTP request (${error.code ?? 'unknown'}): ${STATUS_CODES[status] ?? 'Bad Request'}`);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const body = errorJson(417, `Expect: ${String(request.headers.expect)} is not supported; only 100-continue is`);
    response.writeHead(417, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  });
  // Node reads this property for every request (its types omit it).
  (server as Server & { requireHostHeader: boolean }).requireHostHeader = false;
  server.prependListener('request', toOriginForm);
  return (request, response, next) => {
    const target = unreadableTarget(request);
    if (target !== undefined) {
      sendError(response, 400, 'bad_request', `The request target ${JSON.stringify(target.slice(0, 200))} is neither a path nor an http(s) URL with a host`);
      return;
    }
    if (request.httpVersion === '1.1' && request.headers.host === undefined) {
      sendError(response, 400, 'bad_request', 'HTTP/1.1 requests need a Host header');
      return;
    }
    next();
  };
}
