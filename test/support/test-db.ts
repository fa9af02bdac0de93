import { randomBytes } from 'node:crypto';
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
