import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DestinationGuard } from '../ports/http-caller.port';

type Resolve = (hostname: string) => Promise<string[]>;

const systemResolve: Resolve = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Refuses `http` node requests to loopback, link-local, private and other
 * non-public addresses (SPEC §5), looking up host names first. The check
 * happens before the request; a name that changes its answer between the
 * check and the connection (DNS rebinding) is not caught here.
 */
export class PrivateAddressGuard implements DestinationGuard {
  constructor(private readonly resolve: Resolve = systemResolve) {}

  async check(url: URL): Promise<string | undefined> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolve(host);
    } catch {
      return undefined; // An unresolvable name fails as a network error when fetched.
    }
    const blocked = addresses.find(isNonPublicAddress);
    return blocked === undefined
      ? undefined
      : `${url.hostname} resolves to ${blocked}, a loopback, link-local or private address; set SLUICE_HTTP_ALLOW_PRIVATE=true to allow it`;
  }
}

/** True for addresses outside the public internet, IPv4 and IPv6 (including IPv4-mapped IPv6). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isNonPublicAddress(mapped);
  if (isIP(address) === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return (
      a === 0 || a === 10 || a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  const lower = address.toLowerCase();
  return (
    lower === '::' || lower === '::1' ||
    /^f[cd][0-9a-f]{2}:/.test(lower) ||
    /^fe[89ab][0-9a-f]:/.test(lower) ||
    /^ff[0-9a-f]{2}:/.test(lower)
  );
}
