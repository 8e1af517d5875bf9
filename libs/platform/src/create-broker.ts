import { InProcessBroker, RabbitMqBroker } from '@sluice/broker';
import type { Settings } from '@sluice/config';
import type { BrokerPort, Logger } from '@sluice/runtime';

/**
 * The broker adapter `settings.broker` selects (BROKER_URL, docs/brokers.md),
 * not yet started, with a logger scoped to its component.
 */
export function createBroker(settings: Pick<Settings, 'broker'>, logger: Logger): BrokerPort {
  const broker = settings.broker;
  switch (broker.kind) {
    case 'in-process':
      return new InProcessBroker({ logger: logger.child({ component: 'InProcessBroker' }) });
    case 'rabbitmq':
      return new RabbitMqBroker({ url: broker.url, namespace: broker.namespace, logger: logger.child({ component: 'RabbitMqBroker' }) });
    case 'sqs':
      throw new Error('BROKER_URL selects Amazon SQS and SNS, which this build of Sluice does not include yet');
  }
}
