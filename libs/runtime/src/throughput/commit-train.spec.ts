import { CommitTrain } from './commit-train';

/** A commit the test finishes by hand. */
function manualCommits() {
  const calls: { requests: number[]; finish(error?: Error): void }[] = [];
  const commit = (requests: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ requests, finish: (error) => (error ? reject(error) : resolve(requests.map((n) => `answer ${n}`))) });
    });
  return { calls, commit };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CommitTrain', () => {
  it('sends a lone request at once, and queues what arrives meanwhile for the next commit', async () => {
    const { calls, commit } = manualCommits();
    const train = new CommitTrain(commit, { maxBatch: 10, maxInFlight: 1 });
    const first = train.submit(1);
    expect(calls.map((call) => call.requests)).toEqual([[1]]);
    const rest = [2, 3, 4].map((n) => train.submit(n));
    expect(calls).toHaveLength(1);

    calls[0]!.finish();
    await expect(first).resolves.toBe('answer 1');
    await tick();
    expect(calls.map((call) => call.requests)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.finish();
    await expect(Promise.all(rest)).resolves.toEqual(['answer 2', 'answer 3', 'answer 4']);
  });

  it('caps a commit at maxBatch requests', async () => {
    const { calls, commit } = manualCommits();
    const train = new CommitTrain(commit, { maxBatch: 2, maxInFlight: 1 });
    const all = [1, 2, 3, 4, 5].map((n) => train.submit(n));
    for (let i = 0; i < 3; i += 1) {
      calls[i]!.finish();
      await tick();
    }
    expect(calls.map((call) => call.requests)).toEqual([[1], [2, 3], [4, 5]]);
    await expect(Promise.all(all)).resolves.toHaveLength(5);
  });

  it('fails every request of a failed commit, and carries on with the next', async () => {
    const { calls, commit } = manualCommits();
    const train = new CommitTrain(commit, { maxBatch: 10, maxInFlight: 1 });
    const first = train.submit(1);
    const second = train.submit(2);
    const third = train.submit(3);
    calls[0]!.finish();
    await first;
    await tick();
    calls[1]!.finish(new Error('store down'));
    await expect(second).rejects.toThrow('store down');
    await expect(third).rejects.toThrow('store down');
    const fourth = train.submit(4);
    calls[2]!.finish();
    await expect(fourth).resolves.toBe('answer 4');
  });

  it('rejects when the commit answers the wrong number of requests', async () => {
    const train = new CommitTrain(async () => ['only one'], { maxBatch: 10, maxInFlight: 1 });
    const blocker = train.submit(0);
    const both = [train.submit(1), train.submit(2)];
    await blocker;
    for (const pending of both) await expect(pending).rejects.toThrow(/answered 1 of 2/);
  });
});

describe('CommitTrain with isolable errors', () => {
  class RefusedError extends Error {}

  it('splits a commit the store refuses for one request: that request fails, the others get their answers', async () => {
    const calls: number[][] = [];
    const commit = async (requests: number[]): Promise<string[]> => {
      calls.push(requests);
      if (requests.includes(13)) throw new RefusedError('13 cannot be stored');
      return requests.map((n) => `answer ${n}`);
    };
    const train = new CommitTrain(commit, { maxBatch: 50, maxInFlight: 1, isolable: (error) => error instanceof RefusedError });
    const blocker = train.submit(0);
    const all = Array.from({ length: 30 }, (_, index) => train.submit(index + 1));
    await blocker;
    const settled = await Promise.allSettled(all);

    expect(settled[12]).toEqual({ status: 'rejected', reason: expect.objectContaining({ message: '13 cannot be stored' }) });
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(29);
    expect(calls[1]).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    expect(calls.length).toBeLessThan(15);
  });

  it('holds its slot while it splits: requests arriving meanwhile wait for the next commit', async () => {
    const { calls, commit } = manualCommits();
    const train = new CommitTrain(commit, { maxBatch: 10, maxInFlight: 1, isolable: () => true });
    const first = train.submit(1);
    const second = train.submit(2);
    const third = train.submit(3);
    calls[0]!.finish();
    await first;
    await tick();
    expect(calls[1]!.requests).toEqual([2, 3]);
    calls[1]!.finish(new Error('refused'));
    await tick();
    const late = train.submit(4);
    // The split retries [2] and [3] before the late request departs.
    expect(calls.map((call) => call.requests)).toEqual([[1], [2, 3], [2]]);
    calls[2]!.finish();
    await tick();
    expect(calls[3]!.requests).toEqual([3]);
    calls[3]!.finish(new Error('refused'));
    await expect(second).resolves.toBe('answer 2');
    await expect(third).rejects.toThrow('refused');
    await tick();
    expect(calls[4]!.requests).toEqual([4]);
    calls[4]!.finish();
    await expect(late).resolves.toBe('answer 4');
  });
});

describe('CommitTrain.submitAll', () => {
  it('carries requests submitted together in one commit, even when the train is idle', async () => {
    const { calls, commit } = manualCommits();
    const train = new CommitTrain(commit, { maxBatch: 10, maxInFlight: 1 });
    const answers = train.submitAll([1, 2, 3]);
    expect(calls.map((call) => call.requests)).toEqual([[1, 2, 3]]);
    calls[0]!.finish();
    await expect(Promise.all(answers)).resolves.toEqual(['answer 1', 'answer 2', 'answer 3']);
  });
});
