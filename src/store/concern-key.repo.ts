import type { Db } from './db';

export interface WrappedKeyRow {
  tenantId: string;
  concernId: string;
  masterKeyId: string;
  wrappedKey: string;
}

/** Data keys not yet wrapped by `activeKeyId` (what `jigsaw rotate-key` still has to do). */
export async function listKeysNotWrappedBy(db: Db, activeKeyId: string, limit: number): Promise<WrappedKeyRow[]> {
  const rows = await db.query<Record<string, string>>(
    'SELECT tenant_id, concern_id, master_key_id, wrapped_key FROM concern_keys WHERE master_key_id <> $1 ORDER BY tenant_id, concern_id LIMIT $2',
    [activeKeyId, limit],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, concernId: r.concern_id, masterKeyId: r.master_key_id, wrappedKey: r.wrapped_key }));
}

/** Replaces one wrapped key, only if it is still the one that was read (no lost update). */
export async function replaceWrappedKey(db: Db, row: WrappedKeyRow, next: { wrapped: string; masterKeyId: string }): Promise<boolean> {
  const updated = await db.query(
    'UPDATE concern_keys SET wrapped_key = $4, master_key_id = $5 WHERE tenant_id = $1 AND concern_id = $2 AND wrapped_key = $3 RETURNING 1',
    [row.tenantId, row.concernId, row.wrappedKey, next.wrapped, next.masterKeyId],
  );
  return updated.length > 0;
}

export async function countKeysByMasterKey(db: Db): Promise<Record<string, number>> {
  const rows = await db.query<{ master_key_id: string; n: string | number }>('SELECT master_key_id, count(*) AS n FROM concern_keys GROUP BY master_key_id ORDER BY master_key_id');
  return Object.fromEntries(rows.map((r) => [r.master_key_id, Number(r.n)]));
}

/**
 * Chronology links by the master key whose derived key made them (`unkeyed`: version 1 links).
 * Links are never re-keyed (append-only), so each of these keys is needed to verify them.
 */
export async function countChronologyLinksByKey(db: Db): Promise<{ byKey: Record<string, number>; unkeyed: number }> {
  const rows = await db.query<{ hash_key_id: string | null; n: string | number }>('SELECT hash_key_id, count(*) AS n FROM concern_events GROUP BY hash_key_id ORDER BY hash_key_id');
  const byKey: Record<string, number> = {};
  let unkeyed = 0;
  for (const r of rows) {
    if (r.hash_key_id === null) unkeyed = Number(r.n);
    else byKey[r.hash_key_id] = Number(r.n);
  }
  return { byKey, unkeyed };
}

/** Concerns whose chronology to verify: one by reference, or all (optionally of one tenant). */
export async function listChronologyHeads(
  db: Db,
  filter: { tenantId?: string; reference?: string } = {},
): Promise<{ tenantId: string; concernId: string; reference: string; eventCount: number; headHash: string; headKeyId: string | null; headTag: string | null }[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT tenant_id, concern_id, reference, event_count, head_hash, head_key_id, head_tag FROM concerns
     WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR reference = $2)
     ORDER BY tenant_id, created_at, reference`,
    [filter.tenantId ?? null, filter.reference ?? null],
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id as string,
    concernId: r.concern_id as string,
    reference: r.reference as string,
    eventCount: Number(r.event_count),
    headHash: r.head_hash as string,
    headKeyId: (r.head_key_id as string | null) ?? null,
    headTag: (r.head_tag as string | null) ?? null,
  }));
}
