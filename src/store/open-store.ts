import type { Db } from './db';
import { ensureAppRole, grantAppRole, roleOf } from './app-role';
import { migrate, pendingMigrations } from './migrate';
import { openPgliteDb } from './pglite-db';
import { openPostgresDb } from './pg-db';

export interface StoreOptions {
  /** A PostgreSQL server; when absent the embedded PGlite store is used. */
  databaseUrl?: string;
  /**
   * The schema owner's connection (DATABASE_OWNER_URL): used only at start-up to migrate, to
   * create `databaseUrl`'s role if missing (password from that URL) and grant it data access;
   * the app then runs as that non-owner role.
   */
  ownerUrl?: string;
  /** PGlite's folder; undefined keeps it in memory. */
  dataDir?: string;
  schema?: string;
}

/** Opens the store the configuration names and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Db> {
  if (options.databaseUrl && options.ownerUrl) {
    const owner = await openPostgresDb(options.ownerUrl, { schema: options.schema, max: 1 });
    try {
      await migrate(owner);
      await ensureAppRole(owner, options.databaseUrl);
      await grantAppRole(owner, roleOf(options.databaseUrl));
    } finally {
      await owner.close();
    }
    const db = await openPostgresDb(options.databaseUrl, { schema: options.schema, createSchema: false });
    // The app's role cannot migrate; it checks that the owner left nothing behind.
    const pending = await pendingMigrations(db);
    if (pending.length) throw new Error(`the database schema is not up to date (${pending.join(', ')} not applied)`);
    return db;
  }
  const db = options.databaseUrl ? await openPostgresDb(options.databaseUrl, { schema: options.schema }) : await openPgliteDb(options.dataDir);
  await migrate(db);
  return db;
}
