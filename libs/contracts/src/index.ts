export * from './graph';
export * from './history';
export * from './run-state';
export * from './broker-messages';
export * from './stream';
export * from './api';
