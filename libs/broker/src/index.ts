export * from './broker.port';
