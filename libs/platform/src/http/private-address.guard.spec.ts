import type { LookupAddress, LookupOptions } from 'node:dns';
import { DestinationRefusedError, isNonPublicAddress, parseIpv6, PrivateAddressGuard, type ResolvedAddress } from './private-address.guard';

function setup(answers: Record<string, ResolvedAddress[]> = {}) {
  const asked: string[] = [];
  const guard = new PrivateAddressGuard({
    resolve: async (hostname) => {
      asked.push(hostname);
      const found = answers[hostname];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return found;
    },
  });
  /** Calls the guard's lookup as `net.connect` does, and reports what it answered. */
  const lookup = (hostname: string, options: LookupOptions = {}) =>
    new Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number }>((resolve) => {
      guard.lookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
    });
  return { guard, lookup, asked };
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

describe('isNonPublicAddress', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 'this network'], ['0.1.2.3', 'this network'], ['10.1.2.3', 'private'], ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'], ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
    ['192.0.0.170', 'IETF protocol assignments'], ['192.168.1.1', 'private'], ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'], ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback, long form'], ['[::1]', 'loopback, bracketed'],
    ['fc00::1', 'unique local'], ['fd12:3456::1', 'unique local'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local with zone'],
    ['febf::1', 'link-local'], ['fec0::1', 'site-local'], ['feff::1', 'site-local'], ['ff02::1', 'multicast'], ['100::1', 'discard-only'],
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', 'mapped, dotted'], ['::ffff:7f00:1', 'mapped, hex (what the URL parser writes)'],
    ['::FFFF:7F00:0001', 'mapped, upper case'], ['0:0:0:0:0:ffff:a9fe:a9fe', 'mapped metadata address, long form'],
    ['::ffff:0:7f00:1', 'IPv4-translated loopback'], ['::7f00:1', 'IPv4-compatible loopback'], ['::8.8.8.8', 'IPv4-compatible (deprecated)'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'], ['64:ff9b::169.254.169.254', 'NAT64 of metadata, dotted'], ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['64:ff9b:1::808:808', 'local-use NAT64'], ['2002:7f00:1::1', '6to4 of loopback'], ['2002:c0a8:101::', '6to4 of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    // Not an address at all
    ['localhost', 'a name'], ['', 'empty'],
  ])('refuses %s (%s)', (address) => expect(isNonPublicAddress(address)).toBe(true));

  it.each([
    ['8.8.8.8'], ['1.1.1.1'], ['172.32.0.1'], ['172.15.255.255'], ['192.169.0.1'], ['100.63.255.255'], ['100.128.0.1'],
    ['169.253.0.1'], ['198.20.0.1'], ['223.255.255.255'], ['203.0.113.10'],
    ['2001:4860:4860::8888'], ['2606:4700:4700::1111'], ['::ffff:1.1.1.1'], ['::ffff:808:808'], ['64:ff9b::808:808'],
    ['2002:808:808::1'], ['fbff::1'], ['fe7f::1'], ['2001:1::1'],
  ])('allows %s', (address) => expect(isNonPublicAddress(address)).toBe(false));
});

describe('parseIpv6', () => {
  it.each([
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['1::', [1, 0, 0, 0, 0, 0, 0, 0]],
    ['1:2:3:4:5:6:7::', [1, 2, 3, 4, 5, 6, 7, 0]],
    ['::ffff:127.0.0.1', [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ['64:ff9b::169.254.169.254', [0x64, 0xff9b, 0, 0, 0, 0, 0xa9fe, 0xa9fe]],
    ['2001:DB8:0:0:1:0:0:1', [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]],
  ])('reads %s as eight words', (text, words) => expect(parseIpv6(text)).toEqual(words));

  it.each(['127.0.0.1', 'x::1', '1:2:3:4:5:6:7:8:9', ':::', 'example.com'])('rejects %s', (text) => {
    expect(parseIpv6(text)).toBeUndefined();
  });
});

describe('PrivateAddressGuard.refusalFor', () => {
  it('refuses private address literals, bracketed or not, naming the setting', () => {
    const { guard } = setup();
    expect(guard.refusalFor('127.0.0.1')).toBeInstanceOf(DestinationRefusedError);
    expect(guard.refusalFor('[::ffff:7f00:1]')?.message).toMatch(/::ffff:7f00:1.*SLUICE_HTTP_ALLOW_PRIVATE/);
    expect(guard.refusalFor('169.254.169.254')?.message).toMatch(/169\.254\.169\.254/);
  });

  it('leaves public literals and host names (checked by the lookup) alone', () => {
    const { guard } = setup();
    expect(guard.refusalFor('8.8.8.8')).toBeUndefined();
    expect(guard.refusalFor('[2001:4860:4860::8888]')).toBeUndefined();
    expect(guard.refusalFor('internal.example')).toBeUndefined();
  });
});

describe('PrivateAddressGuard.lookup (the connection\'s own lookup)', () => {
  it('refuses a name when any of its answers is private', async () => {
    const { lookup } = setup({ 'internal.example': [v4('203.0.113.9'), v4('10.0.0.5')] });
    const answer = await lookup('internal.example', { all: true });
    expect(answer.error).toBeInstanceOf(DestinationRefusedError);
    expect(answer.error?.message).toMatch(/internal\.example resolves to 10\.0\.0\.5/);
  });

  it('refuses a name that rebinds to a private address after answering a public one', async () => {
    let calls = 0;
    const guard = new PrivateAddressGuard({ resolve: async () => [calls++ === 0 ? v4('203.0.113.9') : v4('127.0.0.1')] });
    const lookup = (): Promise<Error | null> => new Promise((resolve) => guard.lookup('rebind.example', { all: true }, (error) => resolve(error)));
    await expect(lookup()).resolves.toBeNull();
    // Every connection resolves again inside its own lookup, so the second answer is the one checked.
    await expect(lookup()).resolves.toBeInstanceOf(DestinationRefusedError);
  });

  it('refuses mapped and NAT64 answers carrying a private IPv4 address', async () => {
    const { lookup } = setup({ 'mapped.example': [v6('::ffff:7f00:1')], 'nat64.example': [v6('64:ff9b::a9fe:a9fe')] });
    await expect(lookup('mapped.example', { all: true })).resolves.toMatchObject({ error: expect.any(DestinationRefusedError) });
    await expect(lookup('nat64.example')).resolves.toMatchObject({ error: expect.any(DestinationRefusedError) });
  });

  it('answers public names as dns.lookup does: all addresses, or the first of the asked family', async () => {
    const { lookup, asked } = setup({ 'api.example': [v6('2001:4860:4860::8888'), v4('203.0.113.10')] });
    await expect(lookup('api.example', { all: true })).resolves.toEqual({
      error: null, address: [{ address: '2001:4860:4860::8888', family: 6 }, { address: '203.0.113.10', family: 4 }], family: undefined,
    });
    await expect(lookup('api.example', { family: 4 })).resolves.toEqual({ error: null, address: '203.0.113.10', family: 4 });
    expect(asked).toEqual(['api.example', 'api.example']);
  });

  it('passes resolver failures through as network errors, not refusals', async () => {
    const { lookup } = setup();
    const answer = await lookup('nowhere.example', { all: true });
    expect(answer.error).not.toBeInstanceOf(DestinationRefusedError);
    expect(answer.error?.message).toMatch(/ENOTFOUND/);
  });
});

describe('PrivateAddressGuard.connector', () => {
  it('refuses an address literal before the underlying connector is called', () => {
    const { guard } = setup();
    const opened: string[] = [];
    const connect = guard.connector((options, callback) => {
      opened.push(options.hostname);
      callback(new Error('not in this test'), null);
    });
    const errors: (Error | null)[] = [];
    const record = (...[error]: [Error | null, unknown]): void => {
      errors.push(error);
    };
    connect({ hostname: '169.254.169.254', protocol: 'http:', port: '80' }, record);
    connect({ hostname: '::ffff:7f00:1', protocol: 'http:', port: '80' }, record);
    expect(errors).toEqual([expect.any(DestinationRefusedError), expect.any(DestinationRefusedError)]);
    expect(opened).toEqual([]);
    connect({ hostname: 'api.example', protocol: 'https:', port: '443' }, record);
    expect(opened).toEqual(['api.example']);
  });
});
