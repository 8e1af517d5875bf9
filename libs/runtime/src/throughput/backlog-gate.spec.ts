import { DomainError } from '../errors/domain-error';
import { BacklogGate, DRAIN_FLOOR, SampledBacklog, type BacklogSources } from './backlog-gate';

/** A backlog whose size and drain rate the test sets; each admission adds one, as the gate expects. */
function setup(size: number, limit: number, maxWaitMs: number, maxDrainMs = 0) {
  const backlog = {
    value: size, admitted: 0, rate: undefined as number | undefined,
    size: () => backlog.value,
    admit: () => { backlog.value += 1; backlog.admitted += 1; },
    drainPerSecond: () => backlog.rate,
  };
  let refused = 0;
  const gate = new BacklogGate(backlog, { maxBacklog: limit, maxDrainMs, maxWaitMs }, () => (refused += 1));
  return { backlog, gate, refused: () => refused };
}

describe('BacklogGate', () => {
  afterEach(() => jest.useRealTimers());

  it('lets callers through while the backlog is below the limit, counting each one in the backlog', async () => {
    const { backlog, gate } = setup(3, 5, 60_000);
    await expect(gate.wait()).resolves.toBeUndefined();
    await expect(gate.wait()).resolves.toBeUndefined();
    expect(backlog.admitted).toBe(2);
    expect(gate.waiting).toBe(0);
    void gate.wait().catch(() => undefined);
    expect(gate.waiting).toBe(1);
  });

  it('holds callers while the backlog is at the limit and releases as many as there is room, in order', async () => {
    const { backlog, gate } = setup(10, 10, 60_000);
    const released: number[] = [];
    const waits = [1, 2, 3].map((n) => gate.wait().then(() => released.push(n)));
    expect(gate.waiting).toBe(3);

    backlog.value = 8;
    gate.release();
    await Promise.resolve();
    await Promise.resolve();
    expect(released).toEqual([1, 2]);
    expect(gate.waiting).toBe(1);

    backlog.value = 0;
    gate.release();
    await Promise.all(waits);
    expect(released).toEqual([1, 2, 3]);
  });

  it('refuses a caller still waiting after maxWaitMs with overloaded, the bound and Retry-After seconds', async () => {
    jest.useFakeTimers();
    const { gate, refused } = setup(100, 10, 1_500);
    const waited = gate.wait();
    jest.advanceTimersByTime(1_499);
    expect(gate.waiting).toBe(1);
    jest.advanceTimersByTime(1);
    const error = await waited.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'overloaded', details: { backlog: 100, limit: 10, retryAfterSeconds: 2 } });
    expect(gate.waiting).toBe(0);
    expect(refused()).toBe(1);
  });

  it('bounds the backlog by what drains in maxDrainMs once a drain rate is measured, never below the floor nor above maxBacklog', () => {
    const { backlog, gate } = setup(0, 500, 1_000, 2_500);
    expect(gate.limit()).toBe(500);
    backlog.rate = 100;
    expect(gate.limit()).toBe(250);
    backlog.rate = 1_000;
    expect(gate.limit()).toBe(500);
    backlog.rate = 0;
    expect(gate.limit()).toBe(DRAIN_FLOOR);
    backlog.rate = undefined;
    expect(gate.limit()).toBe(500);
  });

  it('ignores the drain rate when maxDrainMs is 0', () => {
    const { backlog, gate } = setup(0, 500, 1_000, 0);
    backlog.rate = 10;
    expect(gate.limit()).toBe(500);
  });

  it('refuses at once at the limit when maxWaitMs is 0', async () => {
    const { gate, refused } = setup(10, 10, 0);
    await expect(gate.wait()).rejects.toMatchObject({ code: 'overloaded', details: { retryAfterSeconds: 1 } });
    expect(refused()).toBe(1);
  });
});

describe('SampledBacklog', () => {
  afterEach(() => jest.useRealTimers());

  function sources(values: { rows: number; unconfirmed: number; queued: number | undefined }): BacklogSources {
    return { outboxRows: async () => values.rows, unconfirmed: () => values.unconfirmed, queued: () => values.queued };
  }

  it('adds the outbox (the larger of the store count and the live unconfirmed publishes) and the queue depth', async () => {
    jest.useFakeTimers();
    const values = { rows: 0, unconfirmed: 7, queued: 5 as number | undefined };
    const backlog = new SampledBacklog(sources(values), 250);
    const readings = jest.fn();
    backlog.onReading(readings);
    expect(backlog.size()).toBe(12);

    values.rows = 20;
    await jest.advanceTimersByTimeAsync(0);
    expect(readings).toHaveBeenCalledTimes(1);
    expect(backlog.size()).toBe(25);

    values.queued = undefined;
    expect(backlog.size()).toBe(20);
    await jest.advanceTimersByTimeAsync(250);
    expect(readings).toHaveBeenCalledTimes(2);
    backlog.stop();
  });

  it('counts callers let through for three periods, until the readings show their work', async () => {
    jest.useFakeTimers();
    const backlog = new SampledBacklog(sources({ rows: 0, unconfirmed: 0, queued: 0 }), 100);
    backlog.admit();
    backlog.admit();
    expect(backlog.size()).toBe(2);
    await jest.advanceTimersByTimeAsync(299);
    expect(backlog.size()).toBe(2);
    await jest.advanceTimersByTimeAsync(2);
    expect(backlog.size()).toBe(0);
    backlog.stop();
  });

  it('measures the drain rate over its readings while the backlog averages the floor or more', async () => {
    jest.useFakeTimers();
    const values = { rows: 0, unconfirmed: 0, queued: 400 as number | undefined };
    const backlog = new SampledBacklog(sources(values), 250);
    backlog.size();
    await jest.advanceTimersByTimeAsync(0);
    expect(backlog.drainPerSecond()).toBeUndefined();
    // 3 s: the queue loses 300 messages while 150 callers are let through, so 450 drained: 150 per second.
    for (let tick = 1; tick <= 12; tick += 1) {
      values.queued = 400 - 25 * tick;
      if (tick % 2 === 0) for (let i = 0; i < 25; i += 1) backlog.admit();
      await jest.advanceTimersByTimeAsync(250);
    }
    expect(backlog.drainPerSecond()).toBeCloseTo(150, 0);

    // A reading below the floor now and then does not matter; a backlog that stays below it does.
    values.queued = 0;
    await jest.advanceTimersByTimeAsync(250);
    expect(backlog.drainPerSecond()).toEqual(expect.any(Number));
    await jest.advanceTimersByTimeAsync(3_000);
    expect(backlog.drainPerSecond()).toBeUndefined();
    backlog.stop();
  });

  it('measures no drain rate while the queue depth is unknown (the broker is away, so nothing drains)', async () => {
    jest.useFakeTimers();
    const values = { rows: 100, unconfirmed: 0, queued: undefined as number | undefined };
    const backlog = new SampledBacklog(sources(values), 250);
    backlog.size();
    for (let tick = 0; tick < 16; tick += 1) {
      values.rows += 10;
      backlog.admit();
      await jest.advanceTimersByTimeAsync(250);
    }
    expect(backlog.drainPerSecond()).toBeUndefined();
    values.queued = 0;
    await jest.advanceTimersByTimeAsync(3_250);
    expect(backlog.drainPerSecond()).toEqual(expect.any(Number));
    backlog.stop();
  });

  it('does not read before it is first asked', async () => {
    jest.useFakeTimers();
    const outboxRows = jest.fn(async () => 0);
    const backlog = new SampledBacklog({ outboxRows, unconfirmed: () => 0, queued: () => 0 }, 100);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(outboxRows).not.toHaveBeenCalled();
    backlog.size();
    await jest.advanceTimersByTimeAsync(0);
    expect(outboxRows).toHaveBeenCalledTimes(1);
    backlog.stop();
  });
});
