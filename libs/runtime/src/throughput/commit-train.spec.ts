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
