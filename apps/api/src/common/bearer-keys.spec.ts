import { BearerKeys, bearerToken } from './bearer-keys';

const KEYS = ['first-key-0123456789', 'second-key-0123456789', 'third-key-0123456789'];

function setup(keys: string[] = KEYS): BearerKeys {
  return new BearerKeys(keys);
}

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc', 'abc'],
  ])('reads %p as %p', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'abc', 'Basic abc', 'Bearer a b', 'Bearer\tabc', 'Token abc', 'Bearerabc'])('finds no token in %p', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

describe('BearerKeys', () => {
  it('matches each configured key exactly', () => {
    const keys = setup();
    for (const key of KEYS) expect(keys.matches(key)).toBe(true);
  });

  it.each([
    ['a prefix', KEYS[0]!.slice(0, -1)],
    ['a longer string', `${KEYS[0]}x`],
    ['another case', KEYS[0]!.toUpperCase()],
    ['surrounding space', ` ${KEYS[0]} `],
    ['nothing', undefined],
    ['the empty string', ''],
  ])('refuses %s', (_name, candidate) => {
    expect(setup().matches(candidate)).toBe(false);
  });

  it('compares with every key in constant time, even when the first one matches', () => {
    // The module object itself (an `import * as` namespace would be a copy under swc's interop).
    const compare = jest.spyOn(jest.requireActual<typeof import('node:crypto')>('node:crypto'), 'timingSafeEqual');
    try {
      setup().matches(KEYS[0]);
      expect(compare).toHaveBeenCalledTimes(KEYS.length);
      compare.mockClear();
      setup().matches('no-such-key-0123456789');
      expect(compare).toHaveBeenCalledTimes(KEYS.length);
    } finally {
      compare.mockRestore();
    }
  });

  it('is empty without keys and then matches nothing', () => {
    const keys = setup([]);
    expect(keys.empty).toBe(true);
    expect(keys.matches('')).toBe(false);
  });
});
