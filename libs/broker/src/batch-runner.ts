import type { BrokerMessage, Delivery, Logger } from '@sluice/runtime';
import { errorFields } from './broker-logger';

/** A delivery that can tell whether its handler already acked or nacked it. */
export type SettleableDelivery<T extends BrokerMessage> = Delivery<T> & { isSettled(): boolean };

/**
 * Runs a consumer handler on one batch. If it throws, every delivery of the
 * batch it has not settled goes back to the queue (nack with requeue).
 */
export async function runBatch<T extends BrokerMessage>(
  handler: (batch: Delivery<T>[]) => Promise<void>,
  batch: SettleableDelivery<T>[],
  logger: Logger,
  queue: string,
): Promise<void> {
  try {
    await handler(batch);
  } catch (err) {
    const open = batch.filter((delivery) => !delivery.isSettled());
    logger.error({ queue, batchSize: batch.length, requeued: open.length, ...errorFields(err) }, 'consumer handler failed; requeueing its unsettled deliveries');
    for (const delivery of open) delivery.nack(true);
  }
}
