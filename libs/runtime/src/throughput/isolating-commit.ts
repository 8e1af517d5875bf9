/** What one member of a commit got: its answer, or the error that failed it. */
export type MemberOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Groups this small or smaller are retried one member at a time rather than halved. */
const ONE_BY_ONE = 4;

/**
 * Commits `members` together. When the commit fails with an error that may
 * belong to one member alone (`isolable`: the store refused a value, or a
 * run's history moved), the group is split and each part committed again,
 * halving down to groups of four and then one member at a time, so only the
 * members that fail on their own get the error. One bad member among n costs
 * about 2·log2(n) extra commits; the members that committed keep their
 * answers. Any other error (the store is unreachable, a bug) fails the group
 * it hit and every group not yet committed, without further attempts.
 *
 * `commit` must answer in member order, and a failed commit must have
 * written nothing (one statement or one transaction).
 */
export async function commitIsolating<T, R>(
  members: readonly T[],
  commit: (members: T[]) => Promise<R[]>,
  isolable: (error: unknown) => boolean,
): Promise<MemberOutcome<R>[]> {
  const outcomes = new Array<MemberOutcome<R> | undefined>(members.length);
  // Groups of member indexes still to commit, in member order.
  const pending: number[][] = [members.map((_, index) => index)];
  for (let group = pending.shift(); group; group = pending.shift()) {
    try {
      const answers = await commit(group.map((index) => members[index]!));
      if (answers.length !== group.length) throw new Error(`commit answered ${answers.length} of ${group.length} requests`);
      group.forEach((index, at) => (outcomes[index] = { ok: true, value: answers[at]! }));
    } catch (error) {
      if (!isolable(error)) {
        for (const index of [group, ...pending].flat()) outcomes[index] = { ok: false, error };
        break;
      }
      if (group.length === 1) outcomes[group[0]!] = { ok: false, error };
      else pending.unshift(...split(group));
    }
  }
  return outcomes.map((outcome) => outcome ?? { ok: false, error: new Error('commit member left without an answer') });
}

function split(group: number[]): number[][] {
  if (group.length <= ONE_BY_ONE) return group.map((index) => [index]);
  const half = Math.ceil(group.length / 2);
  return [group.slice(0, half), group.slice(half)];
}
