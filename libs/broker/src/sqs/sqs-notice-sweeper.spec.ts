import { SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '@sluice/runtime';
import { sqsNames } from './sqs-names';
import { SqsNoticeSweeper } from './sqs-notice-sweeper';
import type { SqsTopology } from './sqs-topology';

// The SDK would warn once that its later releases need Node 22 (README, Production on AWS).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';

const TOPOLOGY: SqsTopology = {
  stepsQueueUrl: 'http://127.0.0.1:1/000000000000/blue-sluice-steps',
  ingestQueueUrl: 'http://127.0.0.1:1/000000000000/blue-sluice-ingest',
  deadLetterQueueUrl: 'http://127.0.0.1:1/000000000000/blue-sluice-dead-letters',
  deadLetterQueueArn: 'arn:aws:sqs:us-east-1:000000000000:blue-sluice-dead-letters',
  eventsTopicArn: 'arn:aws:sns:us-east-1:000000000000:blue-sluice-events',
  noticesTopicArn: 'arn:aws:sns:us-east-1:000000000000:blue-sluice-notices',
};

/** A sweeper whose SQS refuses every connection (a closed loopback port), recording what it logs. */
function setup() {
  const lines: { level: string; message: string }[] = [];
  const logger: Logger = {
    child: () => logger,
    debug: (_fields, message) => void lines.push({ level: 'debug', message }),
    info: (_fields, message) => void lines.push({ level: 'info', message }),
    warn: (_fields, message) => void lines.push({ level: 'warn', message }),
    error: (_fields, message) => void lines.push({ level: 'error', message }),
  };
  const config = { region: 'us-east-1', endpoint: 'http://127.0.0.1:1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const sweeper = new SqsNoticeSweeper({
    sqs, sns, names: sqsNames('blue'), logger, now: Date.now, staleAfterMs: 1000, unmarkedStaleAfterMs: 1000, everyMs: 10, ownQueueUrl: () => undefined,
  });
  const teardown = async (): Promise<void> => {
    await sweeper.stop();
    sqs.destroy();
    sns.destroy();
  };
  return { sweeper, lines, teardown };
}

async function waitFor(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SqsNoticeSweeper', () => {
  it('logs a failed sweep at warn and sweeps again at the next turn; stop() ends it', async () => {
    const { sweeper, lines, teardown } = setup();
    try {
      sweeper.start(TOPOLOGY);
      await waitFor('two failed sweeps', () => lines.filter((line) => line.message === 'notice queue sweep failed; trying again at the next sweep').length >= 2);
      expect(lines.every((line) => line.level === 'warn')).toBe(true);
    } finally {
      await teardown();
    }
    const after = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toHaveLength(after);
  });

  it('rejects a sweep whose listing fails, for its caller to log', async () => {
    const { sweeper, teardown } = setup();
    try {
      await expect(sweeper.sweep(TOPOLOGY)).rejects.toThrow();
    } finally {
      await teardown();
    }
  });
});
