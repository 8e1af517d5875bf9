import type { DataSource } from 'typeorm';

/** Undoes the latest migrations, down to and including `name`. */
export async function undoThrough(migrator: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last] = await migrator.query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id DESC LIMIT 1');
    if (!last) throw new Error(`migration ${name} is not applied`);
    await migrator.undoLastMigration();
    if (last.name === name) return;
  }
}
