import { MAX_NAMESPACE_LENGTH, noticeQueueName, sqsNames } from './sqs-names';

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

  it('refuses a namespace with characters SQS refuses, or one too long', () => {
    expect(() => sqsNames('a.b')).toThrow(/letters, digits, - and _ only/);
    expect(() => sqsNames('a b')).toThrow(/letters, digits, - and _ only/);
    expect(() => sqsNames('n'.repeat(MAX_NAMESPACE_LENGTH + 1))).toThrow(`at most ${MAX_NAMESPACE_LENGTH} fit`);
  });
});
