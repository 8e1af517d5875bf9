/**
 * Whether an AWS SDK error is one of `codes`. SQS's JSON protocol names the
 * error (`QueueNameExists`); its query-compatible form, which some endpoints
 * answer with, prefixes it (`AWS.SimpleQueueService.QueueNameExists`).
 */
export function isAwsError(err: unknown, ...codes: string[]): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { Code?: unknown }).Code;
  const names = [err.name, typeof code === 'string' ? code : ''];
  return names.some((name) => codes.some((wanted) => name === wanted || name.endsWith(`.${wanted}`)));
}

/** Whether a call failed because its queue does not exist (deleted, or never created). */
export function isQueueGone(err: unknown): boolean {
  return isAwsError(err, 'QueueDoesNotExist', 'NonExistentQueue');
}

/** Whether a call failed because its abort signal fired (we stopped it). */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** A one-line description of an entry a batch call reports as failed. */
export function describeFailure(entry: { Code?: string; Message?: string; SenderFault?: boolean }): string {
  return `${entry.Code ?? 'unknown error'}${entry.Message ? `: ${entry.Message}` : ''}${entry.SenderFault ? ' (sender fault)' : ''}`;
}
