import { isLoopback, type Settings } from '@sluice/config';
import type { RequestHandler } from 'express';
import { sendError } from './error-response';

/** 127.0.0.0/8 written as a browser writes it: four decimal octets, no leading zeros. */
const IPV4_LOOPBACK = /^127(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The host name of a `Host` header value (`name`, `name:port`, `[v6]` or
 * `[v6]:port`), lower-cased; undefined when the value is not of that shape.
 */
export function hostName(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/i.exec(host);
  return match?.[1]?.toLowerCase();
}

/**
 * True when a `Host` header names this machine's loopback interface:
 * `localhost`, 127.0.0.0/8 or `[::1]`, with any port (or the configured HOST,
 * when that is a loopback name).
 */
export function isLoopbackHost(host: string | undefined, configuredHost?: string): boolean {
  const name = host === undefined ? undefined : hostName(host);
  if (name === undefined) return false;
  if (name === 'localhost' || name === '[::1]' || IPV4_LOOPBACK.test(name)) return true;
  return configuredHost !== undefined && isLoopback(configuredHost) && name === configuredHost.toLowerCase();
}

/**
 * With no SLUICE_API_KEYS the API is open to this machine only, and binding
 * to loopback is not enough for that: a web page can rebind its own DNS name
 * to 127.0.0.1 and then read and write the API as a same-origin page. Its
 * requests still carry its own name in `Host`, so any request whose Host is
 * not a loopback name is refused with 421 before it reaches a route or a file.
 * With keys set, the keys guard the API and any Host is accepted.
 */
export function loopbackHostOnly(settings: Settings): RequestHandler {
  const open = settings.SLUICE_API_KEYS.length === 0;
  return (request, response, next) => {
    if (!open || isLoopbackHost(request.headers.host, settings.HOST)) {
      next();
      return;
    }
    sendError(response, 421, 'misdirected', 'Without SLUICE_API_KEYS, Sluice answers only requests addressed to a loopback host (localhost, 127.0.0.1 or [::1])');
  };
}
