import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { BrokerMessage, BrokerPort, ConsumeOptions, Delivery, Logger, StopConsuming } from '@sluice/runtime';
import { lastValueFrom } from 'rxjs';
import { EVENT_BATCH_PATTERN, STEP_BATCH_PATTERN } from './batch-patterns';

export interface SluiceBrokerServerOptions {
  /** Prefetch and largest batch of each consumer (WORKER_CONCURRENCY). */
  consume: ConsumeOptions;
  logger: Logger;
  /** Longest close() waits for batches in flight to commit and ack, in ms; then it stops anyway and the broker redelivers the rest. */
  drainTimeoutMs?: number;
}

/** Context handed to a batch handler beside the batch: `[pattern]`. */
export class SluiceBatchContext extends BaseRpcContext<[string]> {}

/** The WORKER_DRAIN_TIMEOUT_MS default: an http step at its default 10 s timeout, and its commit. */
const DEFAULT_DRAIN_TIMEOUT_MS = 15_000;

/**
 * A Nest transport over the broker port. It consumes step and event messages
 * through `BrokerPort` (so prefetch, batching, manual acks after commit and
 * redelivery are the broker adapter's) and hands each batch to the handler
 * registered for STEP_BATCH_PATTERN or EVENT_BATCH_PATTERN. Handlers settle
 * the deliveries themselves; when a handler throws, the broker requeues the
 * deliveries it left unsettled.
 */
export class SluiceBrokerServer extends Server implements CustomTransportStrategy {
  private consumers: StopConsuming[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;
  private readonly log: Logger;

  constructor(
    private readonly broker: BrokerPort,
    private readonly options: SluiceBrokerServerOptions,
  ) {
    super();
    this.log = options.logger;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const pattern of [STEP_BATCH_PATTERN, EVENT_BATCH_PATTERN]) {
        if (!this.getHandlerByPattern(pattern)) throw new Error(`no @EventPattern handler registered for ${pattern}`);
      }
      const { consume } = this.options;
      this.consumers.push(await this.broker.consumeSteps((batch) => this.dispatch(STEP_BATCH_PATTERN, batch), consume));
      this.consumers.push(await this.broker.consumeEvents((batch) => this.dispatch(EVENT_BATCH_PATTERN, batch), consume));
    } catch (error) {
      await this.stopConsumers();
      callback(error);
      return;
    }
    this.log.info({ prefetch: this.options.consume.prefetch, maxBatch: this.options.consume.maxBatch }, 'worker consuming');
    callback();
  }

  /**
   * Stops taking new batches, waits for the batches in flight to commit and
   * ack (at most `drainTimeoutMs`), then stops the consumers: whatever is
   * still unacknowledged goes back to the queue for another worker.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const pending = this.inFlight.size;
    if (pending > 0) {
      const started = Date.now();
      const drainTimeoutMs = this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      this.log.info({ batches: pending, drainTimeoutMs }, 'draining batches in flight');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)));
      await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
      clearTimeout(timer);
      const left = this.inFlight.size;
      if (left > 0) this.log.warn({ batches: left, drainTimeoutMs }, 'drain timed out; unacknowledged messages go back to the queue');
      else this.log.info({ ms: Date.now() - started }, 'batches in flight drained');
    }
    await this.stopConsumers();
  }

  on(): never {
    throw new Error('SluiceBrokerServer emits no events');
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  private dispatch<T extends BrokerMessage>(pattern: string, batch: Delivery<T>[]): Promise<void> {
    // Left unsettled: stopping the consumer hands these back to the queue.
    if (this.closing) return Promise.resolve();
    const work = this.invoke(pattern, batch);
    const done = (): void => void this.inFlight.delete(work);
    this.inFlight.add(work);
    work.then(done, done);
    return work;
  }

  private async invoke<T extends BrokerMessage>(pattern: string, batch: Delivery<T>[]): Promise<void> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) throw new Error(`no @EventPattern handler registered for ${pattern}`);
    const started = Date.now();
    const result: unknown = await handler(batch, new SluiceBatchContext([pattern]));
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
    this.log.debug({ pattern, size: batch.length, ms: Date.now() - started }, 'batch handled');
  }

  private async stopConsumers(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    await Promise.all(consumers.map((stop) => stop()));
  }
}
