import { DomainError } from '../errors/domain-error';
import { BacklogGate, SampledBacklog, type BacklogSources } from './backlog-gate';

/** A backlog whose size the test sets; each admission adds one, as the gate expects. */
function setup(size: number, limit: number, maxWaitMs: number) {
  const backlog = { value: size, admitted: 0, size: () => backlog.value, admit: () => { backlog.value += 1; backlog.admitted += 1; } };
  let refused = 0;
  const gate = new BacklogGate(backlog, limit, maxWaitMs, () => (refused += 1));
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
