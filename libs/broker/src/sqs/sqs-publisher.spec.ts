import type { EncodedMessage } from './sqs-codec';
import { batchesOf } from './sqs-publisher';

function setup(sizes: number[]): EncodedMessage[] {
  return sizes.map((bytes, index) => ({ id: `m${index}`, body: '', attributes: {}, bytes }));
}

describe('batchesOf (sqs publisher)', () => {
  const ids = (batches: EncodedMessage[][]): string[][] => batches.map((batch) => batch.map((message) => message.id));

  it('fills batches of at most 10 entries, in order', () => {
    const batches = batchesOf(setup(Array.from({ length: 23 }, () => 1)));
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(batches.flat().map((message) => message.id)).toEqual(Array.from({ length: 23 }, (_, i) => `m${i}`));
  });

  it('starts a new batch before one would pass 256 KiB, and lets a message of exactly the limit travel alone', () => {
    expect(ids(batchesOf(setup([100_000, 100_000, 62_144, 1, 262_144, 5])))).toEqual([['m0', 'm1', 'm2'], ['m3'], ['m4'], ['m5']]);
  });

  it('makes no batch of nothing', () => {
    expect(batchesOf([])).toEqual([]);
  });
});
