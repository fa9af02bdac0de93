import type { Db } from './db';
import { TenantCache } from './tenant.repo';

// A store stand-in that answers the tenant query and counts the round trips.
function countingDb(rows: Record<string, { school_name: string; timezone: string }>) {
  const db = {
    kind: 'pglite',
    queries: 0,
    async query(_text: string, params?: readonly unknown[]) {
      db.queries += 1;
      const row = rows[String(params?.[0])];
      return row ? [{ tenant_id: params?.[0], ...row }] : [];
    },
  };
  return db as typeof db & Db;
}

describe('TenantCache', () => {
  it('answers from memory within the TTL and reads the store again after it', async () => {
    const db = countingDb({ t1: { school_name: 'Halley Primary', timezone: 'Europe/London' } });
    let now = 0;
    const cache = new TenantCache(db, 60_000, () => now);
    expect((await cache.get('t1'))?.schoolName).toBe('Halley Primary');
    expect((await cache.get('t1'))?.schoolName).toBe('Halley Primary');
    expect(db.queries).toBe(1);
    now = 60_001;
    await cache.get('t1');
    expect(db.queries).toBe(2);
  });

  it('never caches an unknown tenant (it may be set up at any moment)', async () => {
    const rows: Record<string, { school_name: string; timezone: string }> = {};
    const db = countingDb(rows);
    const cache = new TenantCache(db, 60_000, () => 0);
    expect(await cache.get('t2')).toBeUndefined();
    rows.t2 = { school_name: 'New School', timezone: 'Europe/London' };
    expect((await cache.get('t2'))?.schoolName).toBe('New School');
    expect(db.queries).toBe(2);
  });
});
