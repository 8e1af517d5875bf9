import { join, resolve } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { PAGE_CSP } from '../common/security-headers.middleware';

/**
 * Path prefixes the API owns, lower case; the editor never answers under them
 * (in any spelling Express would route), so they reach the keys guard and
 * their 404s stay JSON.
 */
const API_PREFIXES = ['/api', '/health', '/metrics', '/demo'];

/** Vite's hashed bundle files: their names change with their content, so they are cached for a year. */
const ASSET_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;

/** Shown at `/` when the editor has not been built. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sluice</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Sluice is running, but the editor isn't built</h1>
<p>Build it with <code>npm run build -w web</code> (or <code>npm run build:web</code>) and reload this page.
<code>npm ci</code> builds it too.</p>
<p>The API is at <a href="/api/docs">/api/docs</a>.</p>
</body>
</html>
`;

/**
 * Serves the editor's Vite build: files under `/assets` with long-lived cache
 * headers, other files of the build revalidated on every use, and
 * `index.html` (never cached) for any other GET that wants HTML, so the
 * editor's client-side routes (`/flows/:id`, `/runs/:id`, …) load on a
 * reload. Paths under /api, /health, /metrics and /demo pass through to the
 * API. Without a build, those pages explain how to make one. It only reads
 * files of the build and never calls the API, so it serves no data; its
 * responses carry the editor's Content-Security-Policy.
 */
export function uiStatic(webDir: string): RequestHandler {
  const root = resolve(webDir);
  const index = join(root, 'index.html');
  const assets = express.static(join(root, 'assets'), { index: false, fallthrough: true, immutable: true, maxAge: ASSET_MAX_AGE_MS });
  const files = express.static(root, {
    index: false,
    fallthrough: true,
    setHeaders: (response) => response.setHeader('Cache-Control', 'no-cache'),
  });

  const fallback: RequestHandler = (request, response, next) => {
    if (looksLikeFile(request.path) || !request.accepts('html')) {
      next();
      return;
    }
    response.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } }, (error?: NodeJS.ErrnoException) => {
      if (!error) return;
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
        if (!response.headersSent) response.status(200).set('Cache-Control', 'no-store').type('html').send(NOT_BUILT_PAGE);
        return;
      }
      next(error);
    });
  };

  const router = express.Router();
  // `next('router')` leaves the editor's router, so the API (or its JSON 404) answers.
  router.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isApiPath(request.path)) {
      next('router');
      return;
    }
    response.setHeader('Content-Security-Policy', PAGE_CSP);
    next();
  });
  // A missing hashed asset is a 404, not the HTML page.
  router.use('/assets', assets, (_request: Request, _response: Response, next: NextFunction) => next('router'));
  router.use(files, fallback);
  return router;
}

/**
 * True for a path under an API prefix in any case, with repeated slashes or
 * percent-encoded letters (`/API/flows`, `//api/flows`, `/%61pi/flows`): Express
 * routes some of these spellings to the API, so none of them may be taken for
 * an editor route. A path that does not decode counts as the API's.
 */
export function isApiPath(path: string): boolean {
  let normal = path;
  for (let round = 0; round < 3; round += 1) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(normal);
    } catch {
      return true;
    }
    if (decoded === normal) break;
    normal = decoded;
  }
  normal = normal.replace(/[\\/]+/g, '/').toLowerCase();
  return API_PREFIXES.some((prefix) => normal === prefix || normal.startsWith(`${prefix}/`));
}

/** A last path segment with a dot names a file (favicon.ico, app.js), not an editor route. */
function looksLikeFile(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.includes('.');
}
