import { createDataSource, runMigrations } from './data-source';
import { TypeOrmStore } from './repositories/store.repository';

/**
 * Connects to PostgreSQL (a server or embedded PGlite), runs pending
 * migrations and returns the store. `close()` ends the pool.
 * @param url `postgres://…`
 * @param options.poolSize connections; ≤ 4 for PGlite.
 */
export async function createStore(url: string, options: { poolSize: number }): Promise<TypeOrmStore> {
  const dataSource = createDataSource(url, options);
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return new TypeOrmStore(dataSource);
}
