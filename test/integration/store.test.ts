import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  // The embedded store runs its queries on the app's own thread. A job's chain of queries (the
  // sharing audit runs hundreds back to back) must not keep a Teams request waiting until it ends.
  const CHAIN = 400;
  const SUM = 'SELECT count(*) FROM generate_series(1, 2000)';
  it.each([
    ['queries', async (d: Db, onStep: () => void) => {
      for (let i = 0; i < CHAIN; i++) {
        await d.query(SUM);
        onStep();
      }
    }],
    ['queries in one transaction', (d: Db, onStep: () => void) =>
      d.transaction(async (tx) => {
        for (let i = 0; i < CHAIN; i++) {
          await tx.query(SUM);
          onStep();
        }
      })],
  ])('answers an HTTP request that arrives during a long chain of %s, before the chain ends', async (_kind, chain) => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      let done = 0;
      let answeredAfter: number | undefined;
      const request = new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => {
            answeredAfter = done;
            resolve();
          });
        }).on('error', reject);
      });
      await chain(db, () => done++);
      await request;
      expect(answeredAfter).toBeLessThan(CHAIN);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
