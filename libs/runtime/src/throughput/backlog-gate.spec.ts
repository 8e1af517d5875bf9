import { BacklogGate } from './backlog-gate';

describe('BacklogGate', () => {
  it('lets callers through while the backlog is below the limit', async () => {
    const gate = new BacklogGate(() => 3, 10, 60_000);
    await expect(gate.wait()).resolves.toBeUndefined();
    expect(gate.waiting).toBe(0);
  });

  it('holds callers while the backlog is at the limit and releases as many as there is room, in order', async () => {
    let backlog = 10;
    const gate = new BacklogGate(() => backlog, 10, 60_000);
    const released: number[] = [];
    const waits = [1, 2, 3].map((n) => gate.wait().then(() => released.push(n)));
    expect(gate.waiting).toBe(3);

    backlog = 8;
    gate.release();
    await Promise.resolve();
    await Promise.resolve();
    expect(released).toEqual([1, 2]);
    expect(gate.waiting).toBe(1);

    backlog = 0;
    gate.release();
    await Promise.all(waits);
    expect(released).toEqual([1, 2, 3]);
  });

  it('lets a caller through after maxWaitMs even if the backlog never drains', async () => {
    jest.useFakeTimers();
    try {
      const gate = new BacklogGate(() => 100, 10, 5_000);
      const waited = gate.wait();
      jest.advanceTimersByTime(5_000);
      await expect(waited).resolves.toBeUndefined();
      expect(gate.waiting).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
