import { isNoticeQueueName, MAX_NAMESPACE_LENGTH, noticeQueueName, sqsNames } from './sqs-names';

describe('sqsNames', () => {
  it('uses the contract names without a namespace, and prefixes them with `<namespace>-` with one', () => {
    expect(sqsNames()).toEqual({
      stepsQueue: 'sluice-steps',
      ingestQueue: 'sluice-ingest',
      deadLetterQueue: 'sluice-dead-letters',
      eventsTopic: 'sluice-events',
      noticesTopic: 'sluice-notices',
      noticeQueuePrefix: 'sluice-notices-',
    });
    expect(sqsNames('')).toEqual(sqsNames());
    expect(sqsNames('blue_2').stepsQueue).toBe('blue_2-sluice-steps');
  });

  it('names notice queues apart, within SQS’s 80 characters even for the longest namespace', () => {
    const names = sqsNames('n'.repeat(MAX_NAMESPACE_LENGTH));
    const first = noticeQueueName(names);
    expect(first.startsWith(names.noticeQueuePrefix)).toBe(true);
    expect(first).toHaveLength(80);
    expect(noticeQueueName(names)).not.toBe(first);
  });

  it('recognises its own notice queues only: the prefix and exactly the random part', () => {
    const names = sqsNames('blue');
    expect(isNoticeQueueName(names, noticeQueueName(names))).toBe(true);
    expect(isNoticeQueueName(names, 'blue-sluice-notices-0123456789ab')).toBe(true);
    expect(isNoticeQueueName(names, 'blue-sluice-notices-0123456789abc')).toBe(false);
    expect(isNoticeQueueName(names, 'blue-sluice-notices-0123456789AB')).toBe(false);
    expect(isNoticeQueueName(names, 'blue-sluice-notices-x-sluice-steps')).toBe(false);
    expect(isNoticeQueueName(names, 'green-sluice-notices-0123456789ab')).toBe(false);
    expect(isNoticeQueueName(names, 'blue-sluice-steps')).toBe(false);
    // A namespace that begins like the unnamespaced prefix is another installation's.
    expect(isNoticeQueueName(sqsNames(), 'sluice-notices-0123456789ab-sluice-notices-0123456789ab')).toBe(false);
  });

  it('refuses a namespace with characters SQS refuses, or one too long', () => {
    expect(() => sqsNames('a.b')).toThrow(/letters, digits, - and _ only/);
    expect(() => sqsNames('a b')).toThrow(/letters, digits, - and _ only/);
    expect(() => sqsNames('n'.repeat(MAX_NAMESPACE_LENGTH + 1))).toThrow(`at most ${MAX_NAMESPACE_LENGTH} fit`);
  });
});
