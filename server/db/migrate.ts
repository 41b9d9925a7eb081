import type { Knex } from 'knex';
import { migrations } from '../../migrations/index';

// Migrations are imported statically (not discovered on disk) so the same list runs under
// tsx, vitest and any bundler; knex only needs a source that names and loads them.
const source: Knex.MigrationSource<(typeof migrations)[number]> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource: source });
  return applied as string[];
}
