import type { Db } from './db';
import { migrate } from './migrate';
import { openPgliteDb } from './pglite-db';
import { openPostgresDb } from './pg-db';

export interface StoreOptions {
  /** A PostgreSQL server; when absent the embedded PGlite store is used. */
  databaseUrl?: string;
  /** PGlite's folder; undefined keeps it in memory. */
  dataDir?: string;
  schema?: string;
}

/** Opens the store the configuration names and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Db> {
  const db = options.databaseUrl
    ? await openPostgresDb(options.databaseUrl, { schema: options.schema })
    : await openPgliteDb(options.dataDir);
  await migrate(db);
  return db;
}
