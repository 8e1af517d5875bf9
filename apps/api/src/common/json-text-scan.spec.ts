import { scanJsonText } from './json-text-scan';

const scan = (text: string, maxDepth = 64) => scanJsonText(Buffer.from(text, 'utf8'), maxDepth);

describe('scanJsonText', () => {
  it('accepts JSON within the depth limit', () => {
    expect(scan('{"a":[1,{"b":[]}]}', 4)).toBeUndefined();
    expect(scan('[[[]]]', 3)).toBeUndefined();
    expect(scan('"just a string"', 0)).toBeUndefined();
  });

  it('refuses nesting one past the limit, at the byte that passed it', () => {
    expect(scan('[[[[]]]]', 3)).toEqual({ kind: 'too_deep', offset: 3 });
    expect(scan('{"a":{"b":{"c":{}}}}', 3)).toEqual({ kind: 'too_deep', offset: 15 });
  });

  it('scans 5,000 levels without recursion', () => {
    expect(scan('['.repeat(5000) + ']'.repeat(5000))).toEqual({ kind: 'too_deep', offset: 64 });
  });

  it('ignores brackets inside strings, including after escaped quotes and backslashes', () => {
    expect(scan(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\"', c: '\\' }), 2)).toBeUndefined();
    expect(scan(JSON.stringify(['\\', '[[[[']), 2)).toBeUndefined();
  });

  it('finds a \\u0000 escape in values and keys', () => {
    expect(scan('{"a":"x\\u0000"}')).toEqual({ kind: 'nul', offset: 7 });
    expect(scan('{"\\u0000":1}')).toEqual({ kind: 'nul', offset: 2 });
    expect(scan(JSON.stringify({ a: 'x\u0000' }))).toEqual({ kind: 'nul', offset: 7 });
  });

  it('reads an escaped backslash before u0000 as text', () => {
    expect(scan('{"a":"\\\\u0000"}')).toBeUndefined();
    expect(scan('{"a":"\\u00001"}')).toEqual({ kind: 'nul', offset: 6 });
  });

  it('leaves other escapes, lone surrogates and multi-byte characters alone', () => {
    expect(scan('{"a":"\\u0001\\ud800\\u00e9é😀\\n"}')).toBeUndefined();
  });

  it('refuses a raw NUL byte anywhere', () => {
    expect(scanJsonText(Uint8Array.from([0x7b, 0x00, 0x7d]), 64)).toEqual({ kind: 'nul', offset: 1 });
  });
});
