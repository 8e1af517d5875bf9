export * from './settings';
export type { BrokerSettings, SqsBrokerSettings } from './broker-settings';
