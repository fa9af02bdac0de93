import type { Db } from '../../src/store/db';
import { migrate } from '../../src/store/migrate';
import { createTestDb, storeKind } from '../support/test-db';

describe(`store (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('applies every migration once and records it', async () => {
    const again = await migrate(db);
    expect(again).toEqual([]);
    const versions = await db.query<{ version: string }>('SELECT version FROM schema_migrations');
    expect(versions.length).toBeGreaterThan(0);
  });

  it('gives every application table a tenant_id column', async () => {
    const rows = await db.query<{ table_name: string }>(
      `SELECT t.table_name FROM information_schema.tables t
       WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         AND t.table_name <> 'schema_migrations'
         AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                         WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                           AND c.column_name = 'tenant_id')`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([]);
  });

  // PGlite's WebAssembly memory is never returned, so its buffer pool is kept small (pglite-db.ts).
  (storeKind() === 'pglite' ? it : it.skip)('keeps the embedded store\'s buffer pool at 32 MB, not PostgreSQL\'s 128 MB default', async () => {
    const [row] = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
    expect(row.shared_buffers).toBe('32MB');
  });

  it('rolls back a failed transaction', async () => {
    await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ('t-roll', 'Roll')`).catch(() => undefined);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`UPDATE tenants SET school_name = 'Changed' WHERE tenant_id = 't-roll'`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [row] = await db.query<{ school_name: string }>(`SELECT school_name FROM tenants WHERE tenant_id = 't-roll'`);
    expect(row.school_name).toBe('Roll');
  });
});
