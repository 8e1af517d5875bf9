import { DeleteQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, ListQueueTagsCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ListSubscriptionsByTopicCommand, UnsubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { isAbort, isAwsError, isQueueGone } from './aws-errors';
import { pause } from './backoff';
import { excludedFromSweep, noticeQueueVerdict, SQS_NOTICE_ALIVE_TAG, type NoticeQueueSeen } from './sqs-notice-liveness';
import type { SqsNames } from './sqs-names';
import { arnBeside, type SqsTopology } from './sqs-topology';

export interface SqsNoticeSweeperConfig {
  sqs: SQSClient;
  sns: SNSClient;
  names: SqsNames;
  logger: Logger;
  /** Clock, ms since the epoch. */
  now: () => number;
  /** Age past which a mark means its owner is gone, ms. */
  staleAfterMs: number;
  /** Age past which a queue without a mark is swept, ms. */
  unmarkedStaleAfterMs: number;
  /** Time between sweeps, ms, before ±20 % jitter. */
  everyMs: number;
  /** The URL of this process's own notice queue, if it has one now. */
  ownQueueUrl: () => string | undefined;
}

/** A queue a sweep deleted (or found already gone), with the subscriptions it removed. */
export interface SweptQueue {
  queueUrl: string;
  reason: string;
  /** Age of its mark, or of the queue when unmarked, ms. */
  ageMs: number;
  unsubscribed: number;
}

/** ListQueues' largest page. */
const LIST_PAGE = 1000;

/**
 * Deletes the notice queues (and their subscriptions to the notices topic)
 * of processes that died without closing: those whose liveness mark
 * (sqs-notice-liveness.ts) has gone stale. Every process sweeps at start and
 * then every few minutes, jittered so processes started together spread out;
 * two sweeps deleting the same orphan both succeed. A sweep that fails is
 * logged and tried again at the next turn: it never touches readiness or
 * notices.
 */
export class SqsNoticeSweeper {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly config: SqsNoticeSweeperConfig) {}

  /** Sweeps now, then every `everyMs` (jittered) until stop(). */
  start(topology: SqsTopology): void {
    if (this.loop !== undefined || this.abort.signal.aborted) return;
    this.loop = this.run(topology);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** One sweep; throws what a listing call threw, skips a queue whose own calls fail (logged). */
  async sweep(topology: SqsTopology): Promise<SweptQueue[]> {
    const { sqs, names, now, staleAfterMs, unmarkedStaleAfterMs } = this.config;
    const signal = this.abort.signal;
    const ownQueueUrl = this.config.ownQueueUrl();
    const orphans: { queueUrl: string; queueArn: string; reason: string; ageMs: number }[] = [];
    for (const queueUrl of await this.listNoticeQueues()) {
      const name = queueName(queueUrl);
      const rules = { names, ownQueueName: ownQueueUrl === undefined ? undefined : queueName(ownQueueUrl), staleAfterMs, unmarkedStaleAfterMs };
      if (excludedFromSweep(name, rules) !== undefined) continue; // no call for a queue that is not ours to judge
      try {
        const { Tags = {} } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }), { abortSignal: signal });
        const seen: NoticeQueueSeen = { name, tags: Tags };
        if (!Object.hasOwn(Tags, SQS_NOTICE_ALIVE_TAG)) {
          const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['CreatedTimestamp'] }), { abortSignal: signal });
          seen.createdAtSec = Attributes?.CreatedTimestamp;
        }
        const verdict = noticeQueueVerdict(seen, { ...rules, nowMs: now() });
        if (verdict.sweep) orphans.push({ queueUrl, queueArn: arnBeside(topology.deadLetterQueueArn, name), reason: verdict.reason, ageMs: verdict.ageMs });
      } catch (err) {
        if (isQueueGone(err)) continue; // another sweep, or its owner at close, deleted it
        if (isAbort(err)) throw err;
        this.config.logger.warn({ queueUrl, ...errorFields(err) }, 'notice queue sweep: queue not checked');
      }
    }
    if (orphans.length === 0) return [];
    const subscriptions = await this.subscriptionsByEndpoint(topology.noticesTopicArn);
    const swept: SweptQueue[] = [];
    for (const orphan of orphans) {
      try {
        swept.push({ ...(await this.remove(orphan.queueUrl, subscriptions.get(orphan.queueArn) ?? [])), reason: orphan.reason, ageMs: orphan.ageMs });
      } catch (err) {
        if (isAbort(err)) throw err;
        this.config.logger.warn({ queueUrl: orphan.queueUrl, ...errorFields(err) }, 'notice queue sweep: orphaned queue not deleted');
      }
    }
    return swept;
  }

  private async run(topology: SqsTopology): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const swept = await this.sweep(topology);
        this.config.logger.debug({ swept: swept.length }, 'notice queue sweep done');
        for (const queue of swept) {
          this.config.logger.info(
            { queueUrl: queue.queueUrl, reason: queue.reason, ageMs: queue.ageMs, unsubscribed: queue.unsubscribed },
            'orphaned notice queue deleted',
          );
        }
      } catch (err) {
        if (signal.aborted) return;
        this.config.logger.warn({ ...errorFields(err) }, 'notice queue sweep failed; trying again at the next sweep');
      }
      await pause(Math.round(this.config.everyMs * (0.8 + Math.random() * 0.4)), signal);
    }
  }

  /** The URLs of every queue named with the notice-queue prefix (ListQueues, every page). */
  private async listNoticeQueues(): Promise<string[]> {
    const urls: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.config.sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: this.config.names.noticeQueuePrefix, MaxResults: LIST_PAGE, NextToken }),
        { abortSignal: this.abort.signal },
      );
      urls.push(...(page.QueueUrls ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return urls;
  }

  /** The notices topic's SQS subscriptions, by queue ARN (ListSubscriptionsByTopic, every page). */
  private async subscriptionsByEndpoint(topicArn: string): Promise<Map<string, string[]>> {
    const byEndpoint = new Map<string, string[]>();
    let NextToken: string | undefined;
    do {
      const page = await this.config.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }), { abortSignal: this.abort.signal });
      for (const { Protocol, Endpoint, SubscriptionArn } of page.Subscriptions ?? []) {
        // A subscription not yet confirmed has no ARN to unsubscribe ("PendingConfirmation").
        if (Protocol !== 'sqs' || Endpoint === undefined || !SubscriptionArn?.startsWith('arn:')) continue;
        byEndpoint.set(Endpoint, [...(byEndpoint.get(Endpoint) ?? []), SubscriptionArn]);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return byEndpoint;
  }

  /** Unsubscribes first, so a queue whose deletion fails is found again by the next sweep, never a subscription left without its queue. */
  private async remove(queueUrl: string, subscriptionArns: readonly string[]): Promise<{ queueUrl: string; unsubscribed: number }> {
    const signal = this.abort.signal;
    let unsubscribed = 0;
    for (const SubscriptionArn of subscriptionArns) {
      try {
        await this.config.sns.send(new UnsubscribeCommand({ SubscriptionArn }), { abortSignal: signal });
        unsubscribed += 1;
      } catch (err) {
        if (!isAwsError(err, 'NotFound', 'NotFoundException')) throw err;
      }
    }
    try {
      await this.config.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }), { abortSignal: signal });
    } catch (err) {
      if (!isQueueGone(err)) throw err;
    }
    return { queueUrl, unsubscribed };
  }
}

/** A queue's name: the last part of its URL. */
function queueName(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}
