export * from './graph';
export * from './history';
export * from './run-state';
export * from './stream';
export * from './api';
export * from './replay';
export * from './live';
