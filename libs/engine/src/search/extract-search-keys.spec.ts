import type { SearchKey } from '@sluice/contracts';
import { extractSearchKeys } from './extract-search-keys';
import { searchValues } from './search-values';

describe('search key extraction', () => {
  const setup = (...keys: [string, string][]) => {
    const declared: SearchKey[] = keys.map(([name, expression]) => ({ name, expression }));
    return (payload: unknown) => extractSearchKeys(declared, payload);
  };

  it('evaluates each key over the payload itself, in declaration order', async () => {
    const extract = setup(['orderId', 'orderId'], ['email', 'customer.email']);
    await expect(extract({ orderId: 'A-17', customer: { email: 'ada@example.com' } })).resolves.toEqual([
      { name: 'orderId', value: 'A-17' },
      { name: 'email', value: 'ada@example.com' },
    ]);
  });

  it('stores numbers in their JSON form and booleans as true or false', async () => {
    const extract = setup(['n', 'n'], ['big', 'big'], ['small', 'small'], ['neg', 'neg'], ['yes', 'yes'], ['no', 'no']);
    await expect(extract({ n: 42, big: 1e21, small: 0.5, neg: -0, yes: true, no: false })).resolves.toEqual([
      { name: 'n', value: '42' }, { name: 'big', value: '1e+21' }, { name: 'small', value: '0.5' }, { name: 'neg', value: '0' },
      { name: 'yes', value: 'true' }, { name: 'no', value: 'false' },
    ]);
  });

  it('gives one value per scalar element of an array, distinct, at most 10', async () => {
    const extract = setup(['tag', 'tags']);
    await expect(extract({ tags: ['a', 'b', 'a', 3, null, { x: 1 }, ['c'], true] })).resolves.toEqual([
      { name: 'tag', value: 'a' }, { name: 'tag', value: 'b' }, { name: 'tag', value: '3' }, { name: 'tag', value: 'true' },
    ]);
    const many = await extract({ tags: Array.from({ length: 25 }, (_, index) => `t${index}`) });
    expect(many.map((found) => found.value)).toEqual(Array.from({ length: 10 }, (_, index) => `t${index}`));
  });

  it('gives nothing for objects, null, undefined, errors and limits passed: a key never fails the run', async () => {
    const extract = setup(
      ['object', 'customer'], ['nothing', 'missing'], ['null', 'gone'], ['error', '$error("no")'],
      ['huge', '$count([1..5000000].($string($)))'], ['ok', 'orderId'],
    );
    await expect(extract({ customer: { id: 1 }, gone: null, orderId: 'A-1' })).resolves.toEqual([{ name: 'ok', value: 'A-1' }]);
  });

  it('leaves out values longer than 256 characters and text the store cannot hold', async () => {
    expect(searchValues('x'.repeat(256))).toEqual(['x'.repeat(256)]);
    expect(searchValues('x'.repeat(257))).toEqual([]);
    expect(searchValues(['a\u0000b', '\ud800', 'ok'])).toEqual(['ok']);
    expect(searchValues(Number.NaN)).toEqual([]);
    expect(searchValues('')).toEqual(['']);
  });

  it('extracts nothing when the flow declares no keys', async () => {
    await expect(setup()({ orderId: 'A-1' })).resolves.toEqual([]);
  });
});
