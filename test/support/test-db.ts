import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Db } from '../../src/store/db';
import { openStore } from '../../src/store/open-store';

/**
 * A fresh, migrated store for one test file: in-memory PGlite, or (in the postgres project)
 * a private schema on the DATABASE_URL server, dropped by `close()`.
 */
export async function createTestDb(): Promise<Db> {
  if (process.env.JIGSAW_TEST_STORE === 'postgres') {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL must be set for the postgres test project');
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const db = await openStore({ databaseUrl: url, schema });
    const close = db.close.bind(db);
    return Object.assign(db, {
      async close() {
        await db.exec(`DROP SCHEMA ${schema} CASCADE`);
        await close();
      },
    });
  }
  return openStore({});
}

export const storeKind = (): string => process.env.JIGSAW_TEST_STORE ?? 'pglite';

/**
 * Store settings for a process that opens the store itself (the CLI): a private schema on the
 * DATABASE_URL server (named on the connection's search_path), or a PGlite folder under `dir`.
 * `drop()` removes the schema afterwards.
 */
export async function cliStoreEnv(dir: string, prefix: string): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (storeKind() !== 'postgres') return { env: { DATA_DIR: join(dir, 'data') }, drop: async () => undefined };
  const url = process.env.DATABASE_URL!;
  const schema = `${prefix}_${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  return {
    env: { DATABASE_URL: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}` },
    drop: () => admin(`DROP SCHEMA ${schema} CASCADE`),
  };
}
