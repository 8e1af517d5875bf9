/**
 * The store refused a value of the write (`code: 'unstorable'`, see
 * libs/runtime/src/ports/store.port.ts): the same write fails again.
 */
export function isUnstorable(error: unknown): error is Error & { code: 'unstorable' } {
  return error instanceof Error && (error as { code?: unknown }).code === 'unstorable';
}

/**
 * A commit error that may belong to one member of a group commit: a value the
 * store refused, or a run whose history moved under the write
 * (`code: 'conflict'`). Worth splitting the commit to find the member; an
 * outage or a bug is not.
 */
export function mayBelongToOneMember(error: unknown): boolean {
  return isUnstorable(error) || (error instanceof Error && (error as { code?: unknown }).code === 'conflict');
}
