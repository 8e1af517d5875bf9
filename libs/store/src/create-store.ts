import { createDataSource, runMigrations, type DataSourceOptions } from './data-source';
import { TypeOrmStore } from './repositories/store.repository';

/**
 * Connects to PostgreSQL (a server or embedded PGlite), runs pending
 * migrations and returns the store. `close()` ends the pool.
 * @param url `postgres://…`
 * @param options.poolSize connections; ≤ 4 for PGlite.
 * @param options.logger where pool errors and migrations are logged.
 */
export async function createStore(url: string, options: DataSourceOptions): Promise<TypeOrmStore> {
  const dataSource = createDataSource(url, options);
  await dataSource.initialize();
  try {
    const ran = await runMigrations(dataSource);
    if (ran.length > 0) options.logger?.info({ migrations: ran }, 'store migrated');
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return new TypeOrmStore(dataSource);
}
