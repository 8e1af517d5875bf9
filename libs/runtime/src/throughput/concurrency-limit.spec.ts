import { DomainError } from '../errors/domain-error';
import { ConcurrencyLimit } from './concurrency-limit';

function setup(max: number) {
  let refused = 0;
  const limit = new ConcurrencyLimit({
    max, what: 'Payload scans', setting: 'SLUICE_SEARCH_MAX_SCANS', retryAfterSeconds: 2, onRefuse: () => (refused += 1),
  });
  return { limit, refused: () => refused };
}

describe('ConcurrencyLimit', () => {
  it('hands out up to max slots, then none, and counts those held', () => {
    const { limit } = setup(2);
    const first = limit.tryTake();
    const second = limit.tryTake();
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limit.inUse).toBe(2);
    expect(limit.tryTake()).toBeUndefined();
    expect(limit.inUse).toBe(2);
  });

  it('frees a slot when it is released, once however often release is called', () => {
    const { limit } = setup(2);
    const first = limit.take();
    limit.take();
    first.release();
    first.release();
    expect(limit.inUse).toBe(1);
    const third = limit.tryTake();
    expect(third).toBeDefined();
    expect(limit.tryTake()).toBeUndefined();
    third?.release();
    expect(limit.inUse).toBe(1);
  });

  it('refuses take() at the bound with overloaded naming the setting, with Retry-After seconds, and counts the refusal', () => {
    const { limit, refused } = setup(1);
    limit.take();
    const error = (() => {
      try {
        limit.take();
        return undefined;
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'overloaded',
      message: 'Payload scans running in this process are at their bound, 1 (SLUICE_SEARCH_MAX_SCANS); retry in 2 s',
      details: { limit: 1, setting: 'SLUICE_SEARCH_MAX_SCANS', retryAfterSeconds: 2 },
    });
    expect(refused()).toBe(1);
    expect(limit.inUse).toBe(1);
  });
});
