import { QueueReadings } from './queue-readings';

function setup(staleAfterMs = 1000) {
  jest.useFakeTimers({ now: 1_000_000 });
  const readings = new QueueReadings<number>(staleAfterMs);
  let answer: number | undefined | 'pending' = 'pending';
  const ask = (waitMs: number): void => {
    answer = 'pending';
    void readings.next(waitMs).then((reading) => (answer = reading?.queues[0]));
  };
  return { readings, ask, answer: () => answer };
}

/** Lets the promise callbacks of a settled wait run. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('QueueReadings', () => {
  afterEach(() => jest.useRealTimers());

  it('answers the last reading at once while it is fresh, and nothing once it is stale', async () => {
    const { readings, ask, answer } = setup(1000);
    readings.settle({ queues: [7], at: Date.now() });
    ask(5000);
    await flush();
    expect(answer()).toBe(7);

    jest.advanceTimersByTime(1001);
    expect(readings.current()).toBeUndefined();
  });

  it('waits for the next read when there is no reading, and wakes as soon as it lands', async () => {
    const { readings, ask, answer } = setup();
    ask(5000);
    jest.advanceTimersByTime(100);
    await flush();
    expect(answer()).toBe('pending');

    readings.settle({ queues: [3], at: Date.now() });
    await flush();
    expect(answer()).toBe(3);
  });

  it('gives up on a read that does not come within the wait, answering nothing', async () => {
    const { ask, answer } = setup();
    ask(800);
    jest.advanceTimersByTime(799);
    await flush();
    expect(answer()).toBe('pending');
    jest.advanceTimersByTime(1);
    await flush();
    expect(answer()).toBeUndefined();
  });

  it('answers nothing at once when the awaited read fails', async () => {
    const { readings, ask, answer } = setup();
    ask(5000);
    readings.settle(undefined);
    await flush();
    expect(answer()).toBeUndefined();
  });

  it('forgets a reading without waking those who wait for the next', async () => {
    const { readings, ask, answer } = setup();
    readings.settle({ queues: [1], at: Date.now() });
    readings.forget();
    ask(5000);
    await flush();
    expect(answer()).toBe('pending');
    readings.settle({ queues: [2], at: Date.now() });
    await flush();
    expect(answer()).toBe(2);
  });
});
