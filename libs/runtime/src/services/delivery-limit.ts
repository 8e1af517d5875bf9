import { abandonStep, storableText, type EngineClock } from '@sluice/engine';
import type { StepError } from '@sluice/contracts';
import type { Delivery } from '../ports/broker.port';
import type { StepMessage } from '../ports/broker-messages';
import type { Logger } from '../ports/logger.port';
import type { StepDeliveryCount, StepDeliveryKey, StorePort } from '../ports/store.port';
import type { FlowCache } from './flow-cache';
import type { RunCommitter } from './run-committer';

/** Deliveries of one step message that may fail before its step is dead-lettered, when no setting says (SLUICE_MAX_DELIVERIES). */
export const DEFAULT_MAX_DELIVERIES = 5;
/** Pause before requeueing messages whose processing failed, in ms, so a store outage doesn't spin. */
export const REQUEUE_PAUSE_MS = 1000;
/** Longest cause quoted from an error, in characters. */
const MAX_CAUSE_LENGTH = 1000;

/** Error code of a step dead-lettered because its message kept failing. */
export const DELIVERY_LIMIT_CODE = 'delivery_limit';

/**
 * Bounds how often one step message is delivered without being settled
 * (docs/guarantees.md#redelivery). RabbitMQ's classic queues carry no
 * delivery count, so the store keeps one, for failed or redelivered
 * messages only, each count in a transaction of its own:
 * - a redelivered message counts one more delivery before it is processed;
 *   one already past the limit (its deliveries ended in crashes or lost
 *   connections) is dead-lettered without running;
 * - a delivery that fails records its error; at the limit the step is
 *   dead-lettered with that cause instead of being requeued.
 *
 * The first delivery of a message costs nothing here. While the store is
 * away nothing can be counted, and messages are requeued as before: an
 * outage dead-letters nothing.
 */
export class DeliveryLimit {
  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly committer: RunCommitter,
    private readonly clock: EngineClock,
    private readonly logger: Logger,
    private readonly maxDeliveries: number,
  ) {}

  /**
   * Counts the redelivered messages of a batch and dead-letters (then acks)
   * those past the limit. Returns the deliveries to process. Throws when the
   * store cannot count: requeue the batch.
   */
  async admit(batch: readonly Delivery<StepMessage>[]): Promise<Delivery<StepMessage>[]> {
    const redelivered = batch.filter((delivery) => delivery.redelivered);
    if (redelivered.length === 0) return [...batch];
    const counts = await this.store.countRedeliveries(redelivered.map(deliveryKey));
    const over = new Map<Delivery<StepMessage>, StepDeliveryCount>();
    redelivered.forEach((delivery, index) => {
      const count = counts[index];
      if (count !== undefined && count.deliveries > this.maxDeliveries) over.set(delivery, count);
    });
    if (over.size === 0) return [...batch];
    await this.abandon([...over].map(([delivery, count]) => ({
      delivery,
      error: this.reason(count.deliveries - 1, count.lastError ?? 'no error was recorded: the worker stopped or lost its connection each time'),
    })));
    return batch.filter((delivery) => !over.has(delivery));
  }

  /**
   * Deliveries whose processing failed with `error`: records it; those that
   * reached the limit are dead-lettered with it as the cause, the others are
   * requeued after a pause.
   */
  async fail(deliveries: readonly Delivery<StepMessage>[], error: unknown): Promise<void> {
    if (deliveries.length === 0) return;
    const cause = causeOf(error);
    let counts: StepDeliveryCount[];
    try {
      counts = await this.store.recordDeliveryFailures(deliveries.map((delivery) => ({ key: deliveryKey(delivery), error: cause })));
    } catch (countError) {
      this.logger.warn({ err: countError }, 'failed step messages could not be counted');
      await this.requeue(deliveries, error);
      return;
    }
    const spent: { delivery: Delivery<StepMessage>; error: StepError }[] = [];
    const again: Delivery<StepMessage>[] = [];
    deliveries.forEach((delivery, index) => {
      const failures = counts[index]?.deliveries ?? 0;
      if (failures >= this.maxDeliveries) spent.push({ delivery, error: this.reason(failures, cause) });
      else again.push(delivery);
    });
    await Promise.all([this.abandon(spent), this.requeue(again, error)]);
  }

  /** Returns messages to the queue after a pause, so a store outage doesn't spin. */
  async requeue(deliveries: readonly Delivery<StepMessage>[], error: unknown): Promise<void> {
    if (deliveries.length === 0) return;
    this.logger.error({ err: error, count: deliveries.length }, 'step messages failed; requeued');
    await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
    for (const delivery of deliveries) delivery.nack(true);
  }

  private reason(failures: number, cause: string): StepError {
    return {
      code: DELIVERY_LIMIT_CODE,
      message: `The step message was delivered ${failures} times without being committed (SLUICE_MAX_DELIVERIES is ${this.maxDeliveries}); the last delivery failed with: ${cause}`,
      retryable: false,
    };
  }

  /**
   * Dead-letters each message's step with its cause, one transaction each
   * (so one that cannot commit keeps no other back), and acks the message. A
   * message whose step has moved on changes nothing and is acked too. One
   * whose dead-lettering fails is requeued, and tried again on its next delivery.
   */
  private async abandon(entries: readonly { delivery: Delivery<StepMessage>; error: StepError }[]): Promise<void> {
    if (entries.length === 0) return;
    const states = await this.store.getRuns([...new Set(entries.map(({ delivery }) => delivery.message.runId))]).catch(() => undefined);
    await Promise.all(entries.map(async ({ delivery, error }) => {
      const { message } = delivery;
      try {
        const snapshot = states?.get(message.runId);
        // The flow is read before the transaction: on PGlite a read inside it would wait for it.
        const flow = snapshot && (await this.flows.version(snapshot.flowId, snapshot.flowVersion));
        if (!states) throw new Error('the runs of the step messages could not be read');
        if (flow) {
          await this.committer.transact(async (tx) => {
            const state = (await tx.lockRuns([message.runId])).get(message.runId);
            const transition = state && abandonStep(flow, state, message, error, this.clock);
            const changes = transition && transition.events.length > 0 ? [{ flow, transitions: [transition], isNew: false }] : [];
            return { changes, result: undefined };
          });
          this.logger.warn({ runId: message.runId, nodeId: message.nodeId, attempt: message.attempt, cause: error.message }, 'step dead-lettered: its message kept failing');
        }
        delivery.ack();
      } catch (abandonError) {
        await this.requeue([delivery], abandonError);
      }
    }));
  }
}

/** How the store names a delivery's message for counting; a message without an id is named by its step and attempt. */
function deliveryKey(delivery: Delivery<StepMessage>): StepDeliveryKey {
  const { runId, nodeId, attempt } = delivery.message;
  return { messageId: delivery.id ?? `${runId}/${nodeId}/${attempt}`, runId, nodeId, attempt };
}

/** The error's message, bounded and storable, to record and quote as a cause. */
function causeOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return storableText(text.length > MAX_CAUSE_LENGTH ? `${text.slice(0, MAX_CAUSE_LENGTH)}…` : text);
}
