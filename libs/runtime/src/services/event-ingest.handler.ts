import { createHash } from 'node:crypto';
import { checkRoutingKey, inspectJson } from '@sluice/engine';
import type { Delivery } from '../ports/broker.port';
import type { TopicEventMessage } from '../ports/broker-messages';
import type { Logger } from '../ports/logger.port';
import type { StorePort } from '../ports/store.port';
import { isUnstorable } from '../throughput/commit-errors';
import { commitIsolating } from '../throughput/isolating-commit';
import { DEFAULT_MAX_DELIVERIES, REQUEUE_PAUSE_MS } from './delivery-limit';
import { RepeatedFailureLog } from './repeated-failure-log';
import type { RunCommitter, TopicEvent } from './run-committer';

/** Tuning of an EventIngestHandler. */
export interface EventIngestOptions {
  /** Deliveries of one outside event that may fail, the store answering, before it is dropped (SLUICE_MAX_DELIVERIES). */
  maxDeliveries: number;
  /**
   * Largest payload of an outside event, as UTF-8 JSON, in bytes: what a
   * request body may be (SLUICE_MAX_BODY). Unset: no bound.
   */
  maxPayloadBytes?: number;
  /** Deepest nesting of arrays and objects in an outside event's payload, as in a request body (SLUICE_MAX_JSON_DEPTH). Unset: no bound. */
  maxPayloadDepth?: number;
}

/** Most failing outside events whose failures one process remembers; past it the oldest count is forgotten. */
const MAX_COUNTED = 10_000;

/** A commit that failed while the store answered: no outage, so the failure may belong to one event of the group. */
class FailedWhileStoreAnswered extends Error {
  constructor(readonly failure: unknown) {
    super(messageOf(failure));
  }
}

/**
 * Starts subscribe-flow runs for events that reach the events exchange from
 * outside Sluice. Events Sluice published itself were fanned out when they
 * were committed, and the broker adapter settles them before they get here
 * (BrokerPort.consumeEvents). The events of a batch fan
 * out in one commit, which finds their subscribers as of that commit (see
 * RunCommitter). A run is unique per (flow, event id), so a redelivered event
 * starts nothing new.
 *
 * One event must not hold back the others (docs/guarantees.md#outside-topic-events):
 * - an event whose routing key is not a topic Sluice accepts (empty, a
 *   wildcard, a word outside letters, digits, `-` and `_`) is dropped;
 * - an event whose payload is larger or nests deeper than a request body
 *   may (SLUICE_MAX_BODY, SLUICE_MAX_JSON_DEPTH) is dropped before any
 *   commit: a producer on the broker gets no more than a key holder;
 * - a commit that fails for a value the store refused, or for any reason
 *   while the store still answers a ping, is split until the event it
 *   belongs to is alone (`commitIsolating`), so the others start their runs;
 * - an event the store cannot hold is dropped at once: it would fail again;
 * - an event whose commit failed alone for another reason is requeued, and
 *   dropped once this process has seen it fail `maxDeliveries` times;
 * - a commit that fails while the store does not answer (an outage) requeues
 *   the events, after a pause, without counting anything; the log gets the
 *   first such failure, then a line every 10 s, and one when a commit works again.
 * A dropped event is nacked without requeue (RabbitMQ discards it, or sends
 * it to the queue's dead-letter exchange if one is configured) and logged at
 * warn with its id, topic and the reason.
 */
export class EventIngestHandler {
  /** Failed deliveries per outside event (see `countKey`), for events that failed while the store answered. */
  private readonly failures = new Map<string, number>();
  private readonly maxDeliveries: number;
  private readonly maxPayloadBytes: number;
  private readonly maxPayloadDepth: number;
  private readonly outages: RepeatedFailureLog;

  constructor(
    private readonly committer: RunCommitter,
    private readonly store: StorePort,
    private readonly logger: Logger,
    options: EventIngestOptions = { maxDeliveries: DEFAULT_MAX_DELIVERIES },
  ) {
    this.maxDeliveries = options.maxDeliveries;
    this.maxPayloadBytes = options.maxPayloadBytes ?? Number.POSITIVE_INFINITY;
    this.maxPayloadDepth = options.maxPayloadDepth ?? Number.POSITIVE_INFINITY;
    this.outages = new RepeatedFailureLog(logger, {
      failed: 'starting runs for topic events failed; requeued',
      stillFailing: 'starting runs for topic events still failing; requeued',
      recovered: 'starting runs for topic events recovered',
    });
  }

  async handle(batch: Delivery<TopicEventMessage>[]): Promise<void> {
    const outside: Delivery<TopicEventMessage>[] = [];
    for (const delivery of batch) {
      const problem = checkRoutingKey(delivery.message.topic);
      const oversize = problem ? undefined : this.oversize(delivery.message.payload);
      if (problem) this.drop(delivery, 'its routing key is not a topic', `the routing key ${JSON.stringify(delivery.message.topic)} ${problem}`);
      else if (oversize) this.drop(delivery, 'its payload is past a bound', oversize);
      else outside.push(delivery);
    }
    if (outside.length === 0) return;
    const outcomes = await commitIsolating(
      outside.map(({ message }): TopicEvent => ({ eventId: message.eventId, topic: message.topic, payload: message.payload })),
      (group) => this.commitEvents(group),
      (error) => isUnstorable(error) || error instanceof FailedWhileStoreAnswered,
    );
    const counted: { delivery: Delivery<TopicEventMessage>; failure: unknown }[] = [];
    const outage: Delivery<TopicEventMessage>[] = [];
    let outageError: unknown;
    outcomes.forEach((outcome, index) => {
      const delivery = outside[index]!;
      if (outcome.ok) {
        this.failures.delete(countKey(delivery));
        delivery.ack();
      } else if (isUnstorable(outcome.error)) {
        this.failures.delete(countKey(delivery));
        this.drop(delivery, 'the store cannot hold it', outcome.error.message);
      } else if (outcome.error instanceof FailedWhileStoreAnswered) {
        counted.push({ delivery, failure: outcome.error.failure });
      } else {
        outage.push(delivery);
        outageError = outcome.error;
      }
    });
    if (outage.length > 0) this.outages.failed(outageError);
    else this.outages.succeeded();
    const retried = this.count(counted);
    if (retried.length > 0) this.logger.error({ err: counted[0]?.failure, count: retried.length }, 'starting runs for topic events failed; requeued');
    const again = [...outage, ...retried];
    if (again.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
    for (const delivery of again) delivery.nack(true);
  }

  /**
   * Commits the events' runs. A failure that is not about a value is checked
   * against the store: when it answers, the failure is no outage and may
   * belong to one event, so the group is worth splitting and the failure
   * worth counting.
   */
  private async commitEvents(group: TopicEvent[]): Promise<void[]> {
    try {
      await this.committer.commit([], [], group);
    } catch (error) {
      if (isUnstorable(error)) throw error;
      const answers = await this.store.ping().then(() => true, () => false);
      throw answers ? new FailedWhileStoreAnswered(error) : error;
    }
    return group.map(() => undefined);
  }

  /** Counts one more failed delivery of each; drops those at the limit. Returns the others, to requeue. */
  private count(failed: readonly { delivery: Delivery<TopicEventMessage>; failure: unknown }[]): Delivery<TopicEventMessage>[] {
    const again: Delivery<TopicEventMessage>[] = [];
    for (const { delivery, failure } of failed) {
      const key = countKey(delivery);
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.delete(key);
      if (failures >= this.maxDeliveries) {
        this.drop(delivery, 'it kept failing', `its commit failed ${failures} times while the store answered (SLUICE_MAX_DELIVERIES is ${this.maxDeliveries}); the last time with: ${messageOf(failure)}`);
        continue;
      }
      // Re-inserted, so the map's order is the order of last failure and the oldest is forgotten first.
      this.failures.set(key, failures);
      if (this.failures.size > MAX_COUNTED) this.failures.delete(this.failures.keys().next().value!);
      again.push(delivery);
    }
    return again;
  }

  /**
   * Why a payload passes the bounds of a request body, if it does: one
   * iterative walk that stops at the first bound passed, so a huge or deep
   * payload costs no more than the bound to refuse. NUL and lone surrogates
   * are left to the store, which refuses them one event at a time.
   */
  private oversize(payload: unknown): string | undefined {
    const verdict = inspectJson(payload, this.maxPayloadBytes, this.maxPayloadDepth);
    if (verdict === 'too_large') return `its payload is larger than ${this.maxPayloadBytes} bytes as JSON (SLUICE_MAX_BODY)`;
    if (verdict === 'too_deep') return `its payload nests deeper than ${this.maxPayloadDepth} levels (SLUICE_MAX_JSON_DEPTH)`;
    return undefined;
  }

  private drop(delivery: Delivery<TopicEventMessage>, why: string, reason: string): void {
    const { eventId, topic } = delivery.message;
    this.logger.warn({ eventId, topic, reason }, `outside topic event dropped: ${why}`);
    delivery.nack(false);
  }
}

/**
 * What names an outside event across its deliveries: the message id, which
 * RabbitMQ keeps; without one (its event id is then new on every delivery),
 * a digest of its topic and payload.
 */
function countKey(delivery: Delivery<TopicEventMessage>): string {
  if (delivery.id !== undefined) return `id:${delivery.id}`;
  const { topic, payload } = delivery.message;
  try {
    return `digest:${createHash('sha256').update(topic).update('\0').update(JSON.stringify(payload) ?? '').digest('base64')}`;
  } catch {
    return `event:${delivery.message.eventId}`;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
