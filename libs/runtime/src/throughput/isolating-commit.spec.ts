import { commitIsolating } from './isolating-commit';

class RefusedError extends Error {
  readonly code = 'unstorable';
}

const isolable = (error: unknown): boolean => error instanceof RefusedError;

/** A store that refuses any commit holding one of `bad`, and records what it committed. */
function setup(bad: number[], outage?: { afterCalls: number }) {
  const calls: number[][] = [];
  const committed: number[] = [];
  const commit = async (members: number[]): Promise<string[]> => {
    calls.push(members);
    if (outage && calls.length > outage.afterCalls) throw new Error('connect ECONNREFUSED');
    const refused = members.find((member) => bad.includes(member));
    if (refused !== undefined) throw new RefusedError(`member ${refused} cannot be stored`);
    committed.push(...members);
    return members.map((member) => `answer ${member}`);
  };
  return { calls, committed, commit };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, index) => index);

describe('commitIsolating', () => {
  it('commits everything in one go when nothing fails', async () => {
    const { calls, commit } = setup([]);
    const outcomes = await commitIsolating(range(5), commit, isolable);
    expect(outcomes).toEqual(range(5).map((n) => ({ ok: true, value: `answer ${n}` })));
    expect(calls).toHaveLength(1);
  });

  it('fails only the member the store refuses, commits each other member once, in a few commits', async () => {
    const { calls, committed, commit } = setup([57]);
    const outcomes = await commitIsolating(range(101), commit, isolable);

    expect(outcomes[57]).toEqual({ ok: false, error: expect.objectContaining({ message: 'member 57 cannot be stored' }) });
    const others = outcomes.filter((_, index) => index !== 57);
    expect(others).toEqual(range(101).filter((n) => n !== 57).map((n) => ({ ok: true, value: `answer ${n}` })));
    expect([...committed].sort((a, b) => a - b)).toEqual(range(101).filter((n) => n !== 57));
    // Halving down to four, then one by one: about 2·log2(101) commits, nowhere near one per member.
    expect(calls.length).toBeLessThanOrEqual(16);
  });

  it('isolates several bad members, however they fall', async () => {
    const { committed, commit } = setup([0, 1, 50, 99]);
    const outcomes = await commitIsolating(range(100), commit, isolable);
    expect(outcomes.flatMap((outcome, index) => (outcome.ok ? [] : [index]))).toEqual([0, 1, 50, 99]);
    expect(committed).toHaveLength(96);
  });

  it('fails every member at once on an error that is not isolable, without splitting', async () => {
    const calls: number[][] = [];
    const down = new Error('connect ECONNREFUSED');
    const outcomes = await commitIsolating(range(50), async (members) => {
      calls.push(members);
      throw down;
    }, isolable);
    expect(calls).toHaveLength(1);
    expect(outcomes).toEqual(range(50).map(() => ({ ok: false, error: down })));
  });

  it('stops splitting when the store goes away midway: what committed keeps its answer, the rest fails', async () => {
    const { calls, committed, commit } = setup([90], { afterCalls: 2 });
    const outcomes = await commitIsolating(range(100), commit, isolable);
    // Call 1: all (refused); call 2: the first half (committed); call 3: the outage.
    expect(calls).toHaveLength(3);
    expect(committed).toEqual(range(50));
    expect(outcomes.slice(0, 50).every((outcome) => outcome.ok)).toBe(true);
    expect(outcomes.slice(50)).toEqual(range(50).map(() => ({ ok: false, error: expect.objectContaining({ message: 'connect ECONNREFUSED' }) })));
  });

  it('fails the group when the commit answers the wrong number of members', async () => {
    const outcomes = await commitIsolating(range(3), async () => ['one'], isolable);
    expect(outcomes).toEqual(range(3).map(() => ({ ok: false, error: expect.objectContaining({ message: 'commit answered 1 of 3 requests' }) })));
  });
});
