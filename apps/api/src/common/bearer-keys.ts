import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * RFC 6750 bearer credentials: the scheme (any case), spaces, then one token
 * with no whitespace. Nothing else in the header, and never a query string.
 */
const BEARER = /^Bearer +(\S+)$/i;

/** The token of an `Authorization: Bearer <token>` header, if it has that exact shape. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

/**
 * The configured API keys, held as SHA-256 digests. A candidate is hashed and
 * compared with every key in constant time, so neither the time to answer nor
 * an early exit tells an attacker how much of a key, or which key, matched.
 */
export class BearerKeys {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(sha256);
  }

  /** No keys configured: the API is open (start-up allows that on loopback only). */
  get empty(): boolean {
    return this.digests.length === 0;
  }

  matches(candidate: string | undefined): boolean {
    const digest = sha256(candidate ?? '');
    let found = false;
    for (const key of this.digests) {
      // timingSafeEqual runs first, so every key is compared whatever matched before.
      found = timingSafeEqual(digest, key) || found;
    }
    return found && candidate !== undefined;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
