import type { RequestHandler } from 'express';

/**
 * Content-Security-Policy of everything that is not a page: JSON, SSE,
 * Prometheus text and errors. Nothing of it may load, run or be framed.
 */
export const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Content-Security-Policy of the editor's pages and of the OpenAPI UI: scripts
 * only from Sluice's own files (no inline script, no eval), calls only to
 * Sluice itself, never framed. Styles may be inline because React Flow
 * positions nodes with style attributes and the OpenAPI UI ships a `<style>`
 * block.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Headers on every response: no MIME sniffing (a JSON body is never run as a
 * script or page), no Referer leaving Sluice (editor URLs carry flow and run
 * ids), never in a frame (clickjacking), and {@link API_CSP}. The editor and
 * the OpenAPI UI replace the CSP with {@link PAGE_CSP} on what they serve.
 */
export function securityHeaders(): RequestHandler {
  return (_request, response, next) => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Content-Security-Policy', API_CSP);
    next();
  };
}

/** For a page-serving middleware: replaces {@link API_CSP} with {@link PAGE_CSP}. */
export function pageSecurityPolicy(): RequestHandler {
  return (_request, response, next) => {
    response.setHeader('Content-Security-Policy', PAGE_CSP);
    next();
  };
}
