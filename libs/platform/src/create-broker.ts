import { InProcessBroker, RabbitMqBroker, SqsBroker } from '@sluice/broker';
import type { Settings, SqsBrokerSettings } from '@sluice/config';
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
      return createSqsBroker(broker, logger.child({ component: 'SqsBroker' }));
  }
}

/** Credentials are left to the AWS SDK's default chain (environment, profile, role): the settings never hold them. */
function createSqsBroker(broker: SqsBrokerSettings, logger: Logger): SqsBroker {
  return new SqsBroker({
    region: broker.region,
    logger,
    ...(broker.endpoint === undefined ? {} : { endpoint: broker.endpoint }),
    // No namespace is the contract names (`sluice-events`, …) that outside clients use.
    ...(broker.namespace === '' ? {} : { namespace: broker.namespace }),
    ...(broker.visibilityTimeoutSec === undefined ? {} : { visibilityTimeoutSec: broker.visibilityTimeoutSec }),
    ...(broker.waitTimeSec === undefined ? {} : { waitTimeSec: broker.waitTimeSec }),
    ...(broker.maxReceiveCount === undefined ? {} : { maxReceiveCount: broker.maxReceiveCount }),
  });
}
