export { BrokerNotReadyError } from './broker-not-ready.error';
export { InProcessBroker, type InProcessBrokerOptions } from './in-process-broker';
export { RabbitMqBroker, type RabbitMqBrokerOptions } from './rabbitmq-broker';
export { rabbitMqNames, type RabbitMqNames } from './rabbitmq-topology';
export { EVENTS_EXCHANGE, FANNED_OUT_HEADER, INGEST_QUEUE, NOTICES_EXCHANGE, STEPS_QUEUE } from './topology-names';
