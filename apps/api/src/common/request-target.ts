import type { IncomingMessage } from 'node:http';

/** Set on a request whose target was in absolute form and could not be read: the original target. */
const UNREADABLE_TARGET = Symbol('sluice.unreadableTarget');

type MarkedRequest = IncomingMessage & { [UNREADABLE_TARGET]?: string };

/**
 * HTTP/1.1 lets a request name its target in absolute form
 * (`GET http://name:port/path HTTP/1.1`), and then its authority stands for
 * the Host header. Rewrites such a request to the usual form, `/path` with
 * that authority as Host, before any router parses it, so every later check
 * (the loopback Host rule, routing, the keys) sees one shape. A target that
 * is not an http(s) URL with a host and no user information is marked, to be
 * refused by `unreadableTarget`, and routed as `/` meanwhile.
 */
export function toOriginForm(request: IncomingMessage): void {
  const target = request.url ?? '';
  if (target.startsWith('/') || target === '*') return;
  let url: URL | undefined;
  try {
    url = new URL(target);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '' && url.username === '' && url.password === '') {
    request.headers.host = url.host;
    request.url = `${url.pathname}${url.search}`;
    return;
  }
  (request as MarkedRequest)[UNREADABLE_TARGET] = target;
  request.url = '/';
}

/** The original target of a request `toOriginForm` could not read, if it was one. */
export function unreadableTarget(request: IncomingMessage): string | undefined {
  return (request as MarkedRequest)[UNREADABLE_TARGET];
}
