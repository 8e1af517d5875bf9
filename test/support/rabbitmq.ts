import { randomBytes } from 'node:crypto';
import { connect, type Channel } from 'amqplib';
import { rabbitMqNames } from '@sluice/broker';

/**
 * The local RabbitMQ of the integration tests. Loopback only: a URL naming
 * any other host is refused, so a test can never touch a shared broker.
 */
export function rabbitMqUrl(): string {
  const url = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== '[::1]' && host !== '::1' && host !== 'localhost') {
    throw new Error(`TEST_AMQP_URL must point at loopback, got host ${host}`);
  }
  return url;
}

/** A fresh namespace, so every test declares its own queues and exchanges. */
export function randomNamespace(): string {
  return `test-${randomBytes(6).toString('hex')}`;
}

/** Opens a throwaway connection and channel, runs `work`, and closes both. */
export async function withRabbitChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
  const model = await connect(rabbitMqUrl());
  try {
    const channel = await model.createChannel();
    const result = await work(channel);
    // Closing the channel first flushes its publishes; a bare connection close can overtake them.
    await channel.close();
    return result;
  } finally {
    await model.close();
  }
}

/** Deletes every queue and exchange the broker declared under `namespace`. */
export async function deleteNamespace(namespace: string): Promise<void> {
  const names = rabbitMqNames(namespace);
  await withRabbitChannel(async (channel) => {
    await channel.deleteQueue(names.stepsQueue);
    await channel.deleteQueue(names.ingestQueue);
    await channel.deleteExchange(names.eventsExchange);
    await channel.deleteExchange(names.noticesExchange);
  });
}
