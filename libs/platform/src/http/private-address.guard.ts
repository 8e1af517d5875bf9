import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { buildConnector } from 'undici';

/** One answer of a name lookup. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has; rejects when it has none. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/**
 * Thrown (inside the connection's own lookup, or before a connection to an
 * address literal) when an `http` node's destination is not a public
 * address. The caller reports it as the final `refused` error.
 */
export class DestinationRefusedError extends Error {
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback, link-local or private address; set SLUICE_HTTP_ALLOW_PRIVATE=true to allow it`);
    this.name = 'DestinationRefusedError';
  }
}

/** What the guard refuses; the default is {@link isNonPublicAddress}. Tests may narrow it. */
export type AddressPolicy = (address: string) => boolean;

export interface PrivateAddressGuardOptions {
  /** Name resolution used at connect time (default: the system resolver, like `dns.lookup`). */
  resolve?: Resolve;
  /** True for addresses to refuse (default {@link isNonPublicAddress}). */
  refuses?: AddressPolicy;
}

/**
 * Keeps `http` nodes off loopback, link-local, private and other non-public
 * addresses (docs/security.md) at the only moment that counts: when the connection is
 * made. Host names are resolved inside the connection's own lookup, which
 * refuses when any answer is non-public, so the address checked is the
 * address connected to (no DNS rebinding between a check and the connect).
 * Address literals never reach a lookup; {@link refusalFor} and the
 * connector check them before any socket is opened.
 */
export class PrivateAddressGuard {
  private readonly resolve: Resolve;
  private readonly refuses: AddressPolicy;

  constructor(options: PrivateAddressGuardOptions = {}) {
    this.resolve = options.resolve ?? systemResolve;
    this.refuses = options.refuses ?? isNonPublicAddress;
  }

  /** The refusal for a host that is an address literal (brackets allowed); undefined for names and allowed addresses. */
  refusalFor(host: string): DestinationRefusedError | undefined {
    const bare = host.replace(/^\[|\]$/g, '');
    return isIP(bare) !== 0 && this.refuses(bare) ? new DestinationRefusedError(host, bare) : undefined;
  }

  /**
   * A `net.connect` lookup that resolves the name and fails with
   * {@link DestinationRefusedError} when any answer is refused; otherwise it
   * answers as `dns.lookup` would (one address, or all with `options.all`).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    this.resolve(hostname).then(
      (answers) => {
        const refused = answers.find((answer) => this.refuses(answer.address));
        if (refused) return callback(new DestinationRefusedError(hostname, refused.address), '', 0);
        const usable = family === 0 ? answers : answers.filter((answer) => answer.family === family);
        const first = usable[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, '', 0);
        }
        if (options.all) return callback(null, usable.map(({ address, family: answerFamily }) => ({ address, family: answerFamily })));
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), '', 0),
    );
  };

  /** Wraps an undici connector so address literals are checked before the socket is opened. */
  connector(base: buildConnector.connector): buildConnector.connector {
    return (options, callback) => {
      const refusal = this.refusalFor(options.hostname);
      if (refusal) return callback(refusal, null);
      return base(options, callback);
    };
  }
}

/**
 * True for addresses outside the public internet: IPv4 loopback, private,
 * shared (CGNAT), link-local, benchmarking, "this network", multicast and
 * reserved ranges; IPv6 unspecified, loopback, unique-local, link-local,
 * site-local, multicast, discard-only, Teredo and local-use NAT64. IPv6 forms
 * that carry an IPv4 address (mapped `::ffff:a.b.c.d` in any notation,
 * translated, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that
 * IPv4 address; the rest of `::/8` (IPv4-compatible and reserved) is refused.
 * Anything that does not parse as an address is refused.
 */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = parseIpv4(bare);
  if (v4) return isNonPublicIpv4(v4);
  const v6 = parseIpv6(bare);
  if (!v6) return true;
  return isNonPublicIpv6(v6);
}

function isNonPublicIpv4([a, b, c]: readonly number[]): boolean {
  const first = a ?? 0;
  const second = b ?? 0;
  return (
    first === 0 || // "this network"; 0.0.0.0 reaches the local host
    first === 10 ||
    (first === 100 && second >= 64 && second <= 127) || // shared address space (CGNAT)
    first === 127 ||
    (first === 169 && second === 254) || // link-local, cloud metadata
    (first === 172 && second >= 16 && second <= 31) ||
    (first === 192 && second === 0 && c === 0) || // IETF protocol assignments
    (first === 192 && second === 168) ||
    (first === 198 && (second === 18 || second === 19)) || // benchmarking
    first >= 224 // multicast, reserved, broadcast
  );
}

function isNonPublicIpv6(words: readonly number[]): boolean {
  const w = (index: number): number => words[index] ?? 0;
  const embeddedV4 = (high: number, low: number): number[] => [high >> 8, high & 0xff, low >> 8, low & 0xff];
  const zeroUpTo = (count: number): boolean => words.slice(0, count).every((word) => word === 0);

  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated) carry an IPv4 address.
  if (zeroUpTo(5) && w(5) === 0xffff) return isNonPublicIpv4(embeddedV4(w(6), w(7)));
  if (zeroUpTo(4) && w(4) === 0xffff && w(5) === 0) return isNonPublicIpv4(embeddedV4(w(6), w(7)));
  // NAT64 well-known prefix 64:ff9b::/96 carries the IPv4 address it translates to.
  if (w(0) === 0x64 && w(1) === 0xff9b && w(2) === 0 && w(3) === 0 && w(4) === 0 && w(5) === 0) {
    return isNonPublicIpv4(embeddedV4(w(6), w(7)));
  }
  if (w(0) === 0x64 && w(1) === 0xff9b && w(2) === 1) return true; // local-use NAT64 64:ff9b:1::/48
  // Rest of ::/8: unspecified, loopback, IPv4-compatible (deprecated), reserved.
  if (w(0) >> 8 === 0) return true;
  if (w(0) === 0x100 && w(1) === 0 && w(2) === 0 && w(3) === 0) return true; // discard-only 100::/64
  if (w(0) === 0x2001 && w(1) === 0) return true; // Teredo 2001::/32 tunnels to an arbitrary IPv4 host
  if (w(0) === 0x2002) return isNonPublicIpv4(embeddedV4(w(1), w(2))); // 6to4 2002:a.b.c.d::/48
  if ((w(0) & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((w(0) & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((w(0) & 0xffc0) === 0xfec0) return true; // site-local fec0::/10 (deprecated, still routed locally)
  if ((w(0) & 0xff00) === 0xff00) return true; // multicast ff00::/8
  return false;
}

/** Dotted-quad IPv4 as four octets; undefined for anything else. */
export function parseIpv4(text: string): number[] | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').map(Number);
}

/**
 * An IPv6 address as its eight 16-bit words, from any textual form: `::`
 * compression, upper or lower case, and a dotted IPv4 tail
 * (`::ffff:127.0.0.1`). Undefined for anything else.
 */
export function parseIpv6(text: string): number[] | undefined {
  if (isIP(text) !== 6) return undefined;
  let source = text.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(source)?.[1];
  if (tail) {
    const octets = parseIpv4(tail);
    if (!octets) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    source = `${source.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = source.split('::');
  const parts = (value: string): string[] => (value === '' ? [] : value.split(':'));
  const before = parts(head);
  const after = rest === undefined ? [] : parts(rest);
  const missing = 8 - before.length - after.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return undefined;
  const words = [...before, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...after].map((word) => Number.parseInt(word, 16));
  return words.length === 8 && words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : undefined;
}
