import {
  CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CreateTopicCommand, ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SubscribeCommand, UnsubscribeCommand, type SNSClient,
} from '@aws-sdk/client-sns';
import { isAwsError } from './aws-errors';
import { SQS_FANNED_OUT_ATTRIBUTE } from './sqs-codec';
import { noticeQueueName, type SqsNames } from './sqs-names';

/** The URLs and ARNs of what `declareTopology` created. */
export interface SqsTopology {
  stepsQueueUrl: string;
  ingestQueueUrl: string;
  deadLetterQueueUrl: string;
  /** Every queue's ARN is this one's with the queue's name last. */
  deadLetterQueueArn: string;
  eventsTopicArn: string;
  noticesTopicArn: string;
}

export interface TopologySettings {
  /** Visibility timeout of the steps and ingest queues, s. */
  visibilityTimeoutSec: number;
  /** Receives before SQS moves a message of the steps or ingest queue to the dead-letter queue. */
  maxReceiveCount: number;
}

/** SQS's longest retention, s (14 days): the nearest SQS comes to RabbitMQ keeping a durable queue's messages until consumed. */
const DURABLE_RETENTION_SEC = 1_209_600;
/** Retention of a process's notice queue, s: notices are live or worthless. */
const NOTICE_RETENTION_SEC = 60;

/**
 * The ingest subscription's filter policy: events Sluice published with
 * `fannedOut` already started their subscriber runs, so they never reach the
 * ingest queue. Outside subscribers of the events topic still get them.
 */
export const INGEST_FILTER_POLICY = JSON.stringify({ [SQS_FANNED_OUT_ATTRIBUTE]: [{ exists: false }] });

/**
 * Creates (idempotently) the dead-letter queue, the events and notices
 * topics, the steps and ingest queues (standard queues, with a redrive policy
 * to the dead-letter queue) and the raw subscription of the ingest queue to
 * the events topic. Whatever exists with other attributes gets ours.
 */
export async function declareTopology(sqs: SQSClient, sns: SNSClient, names: SqsNames, settings: TopologySettings): Promise<SqsTopology> {
  const deadLetterQueueUrl = await ensureQueue(sqs, names.deadLetterQueue, { MessageRetentionPeriod: String(DURABLE_RETENTION_SEC) });
  const deadLetterQueueArn = await queueArn(sqs, deadLetterQueueUrl);
  const [eventsTopicArn, noticesTopicArn] = await Promise.all([ensureTopic(sns, names.eventsTopic), ensureTopic(sns, names.noticesTopic)]);
  const durable = {
    VisibilityTimeout: String(settings.visibilityTimeoutSec),
    MessageRetentionPeriod: String(DURABLE_RETENTION_SEC),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount: settings.maxReceiveCount }),
  };
  const ingestQueueArn = arnBeside(deadLetterQueueArn, names.ingestQueue);
  const [stepsQueueUrl, ingestQueueUrl] = await Promise.all([
    ensureQueue(sqs, names.stepsQueue, durable),
    ensureQueue(sqs, names.ingestQueue, { ...durable, Policy: topicMaySend(ingestQueueArn, eventsTopicArn) }),
  ]);
  await ensureSubscription(sns, eventsTopicArn, ingestQueueArn, { RawMessageDelivery: 'true', FilterPolicy: INGEST_FILTER_POLICY });
  return { stepsQueueUrl, ingestQueueUrl, deadLetterQueueUrl, deadLetterQueueArn, eventsTopicArn, noticesTopicArn };
}

/** This process's notice queue, subscribed raw to the notices topic. */
export interface NoticeQueue {
  queueUrl: string;
  subscriptionArn: string;
}

/**
 * Creates a notice queue of this process's own (SQS has no exclusive,
 * auto-deleted queues: `deleteNoticeQueue` removes it at close; a process that
 * dies leaves it behind, holding at most a minute of notices, until another
 * process's SqsNoticeSweeper finds its liveness mark stale).
 */
export async function declareNoticeQueue(sqs: SQSClient, sns: SNSClient, names: SqsNames, topology: SqsTopology): Promise<NoticeQueue> {
  const name = noticeQueueName(names);
  const arn = arnBeside(topology.deadLetterQueueArn, name);
  const queueUrl = await ensureQueue(sqs, name, { MessageRetentionPeriod: String(NOTICE_RETENTION_SEC), Policy: topicMaySend(arn, topology.noticesTopicArn) });
  try {
    const subscriptionArn = await ensureSubscription(sns, topology.noticesTopicArn, arn, { RawMessageDelivery: 'true' });
    return { queueUrl, subscriptionArn };
  } catch (err) {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    throw err;
  }
}

/** Unsubscribes and deletes a notice queue. */
export async function deleteNoticeQueue(sqs: SQSClient, sns: SNSClient, queue: NoticeQueue): Promise<void> {
  await sns.send(new UnsubscribeCommand({ SubscriptionArn: queue.subscriptionArn }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.queueUrl }));
}

/** Creates the queue, or gives the existing one our attributes; returns its URL. */
async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return required(QueueUrl, `CreateQueue ${name} returned no QueueUrl`);
  } catch (err) {
    if (!isAwsError(err, 'QueueNameExists', 'QueueAlreadyExists')) throw err;
  }
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  const url = required(QueueUrl, `GetQueueUrl ${name} returned no QueueUrl`);
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  return url;
}

async function ensureTopic(sns: SNSClient, name: string): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  return required(TopicArn, `CreateTopic ${name} returned no TopicArn`);
}

/** Subscribes the queue to the topic, or gives its existing subscription our attributes; returns the subscription's ARN. */
async function ensureSubscription(sns: SNSClient, topicArn: string, queueArn: string, attributes: Record<string, string>): Promise<string> {
  try {
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({
      TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: attributes, ReturnSubscriptionArn: true,
    }));
    return required(SubscriptionArn, `Subscribe ${queueArn} to ${topicArn} returned no SubscriptionArn`);
  } catch (err) {
    // "Subscription already exists with different attributes"
    if (!isAwsError(err, 'InvalidParameterException', 'InvalidParameter')) throw err;
    const existing = await findSubscription(sns, topicArn, queueArn);
    if (existing === undefined) throw err;
    for (const [AttributeName, AttributeValue] of Object.entries(attributes)) {
      await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: existing, AttributeName, AttributeValue }));
    }
    return existing;
  }
}

async function findSubscription(sns: SNSClient, topicArn: string, queueArn: string): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    const found = page.Subscriptions?.find((sub) => sub.Protocol === 'sqs' && sub.Endpoint === queueArn);
    if (found?.SubscriptionArn) return found.SubscriptionArn;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return required(Attributes?.QueueArn, `GetQueueAttributes ${queueUrl} returned no QueueArn`);
}

/** The ARN of the queue `name` in the same partition, region and account as `arn`. */
export function arnBeside(arn: string, name: string): string {
  return `${arn.slice(0, arn.lastIndexOf(':') + 1)}${name}`;
}

/** A queue policy that lets the topic (and only it) send to the queue, as SNS's delivery to SQS requires on AWS. */
function topicMaySend(queueArnValue: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Sid: 'sluice-topic-delivery',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArnValue,
      Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
    }],
  });
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}
