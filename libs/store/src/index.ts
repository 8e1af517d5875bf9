export * from './store.errors';
export { TypeOrmStore } from './repositories/store.repository';
export { createStore } from './create-store';
export { createDataSource, runMigrations, type DataSourceOptions } from './data-source';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded/embedded-postgres';
export type { DeadLetterStatus } from './dead-letter-status';
