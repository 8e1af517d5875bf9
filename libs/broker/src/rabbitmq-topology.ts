import type { Channel } from 'amqplib';
import { EVENTS_EXCHANGE, INGEST_QUEUE, NOTICES_EXCHANGE, STEPS_QUEUE } from './topology-names';

/** Names of everything the RabbitMQ adapter declares, after the namespace prefix. */
export interface RabbitMqNames {
  eventsExchange: string;
  stepsQueue: string;
  ingestQueue: string;
  noticesExchange: string;
}

/**
 * Prefixes every exchange and queue with `<namespace>.` so that several
 * installations (or test runs) can share one vhost. No namespace: the
 * contract names (`sluice.events`, …) that outside AMQP clients use.
 */
export function rabbitMqNames(namespace?: string): RabbitMqNames {
  const name = (base: string): string => (namespace ? `${namespace}.${base}` : base);
  return {
    eventsExchange: name(EVENTS_EXCHANGE),
    stepsQueue: name(STEPS_QUEUE),
    ingestQueue: name(INGEST_QUEUE),
    noticesExchange: name(NOTICES_EXCHANGE),
  };
}

/**
 * Declares the durable topology (idempotent): topic exchange for events,
 * the steps queue, the ingest queue bound to the events exchange with `#`,
 * and the non-durable fan-out exchange for notices.
 */
export async function declareTopology(channel: Channel, names: RabbitMqNames): Promise<void> {
  await channel.assertExchange(names.eventsExchange, 'topic', { durable: true });
  await channel.assertQueue(names.stepsQueue, { durable: true });
  await channel.assertQueue(names.ingestQueue, { durable: true });
  await channel.bindQueue(names.ingestQueue, names.eventsExchange, '#');
  await channel.assertExchange(names.noticesExchange, 'fanout', { durable: false });
}

/** Declares this process's exclusive, auto-deleted notice queue and binds it; returns its server-generated name. */
export async function declareNoticeQueue(channel: Channel, names: RabbitMqNames): Promise<string> {
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  await channel.bindQueue(queue, names.noticesExchange, '');
  return queue;
}
