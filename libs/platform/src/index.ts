export * from './platform';
export * from './process/close-on-signals';
export * from './http/undici-http-caller';
export * from './http/private-address.guard';
export * from './logging/create-logger';
export * from './logging/nest-pino.logger';
export { LogRedactor, REDACTED, isSecretField } from './logging/log-redaction';
export * from './transport/sluice-broker.server';
export { WorkerModule } from './transport/worker.module';
