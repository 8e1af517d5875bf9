export * from './broker.port';
export { BrokerNotReadyError } from './broker-not-ready.error';
export type { BrokerLogger } from './broker-logger';
export { InProcessBroker, type InProcessBrokerOptions } from './in-process-broker';
export { RabbitMqBroker, type RabbitMqBrokerOptions } from './rabbitmq-broker';
export { rabbitMqNames, type RabbitMqNames } from './rabbitmq-topology';
export { topicMatches } from './topic-matches';
