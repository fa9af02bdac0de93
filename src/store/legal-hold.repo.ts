import type { Db } from './db';

/** A legal hold in force: a concern's (reference set) or the whole tenant's (reference undefined). */
export interface LegalHold {
  holdId: string;
  reference?: string;
  concernId?: string;
  reason: string;
  placedBy: string;
  placedAt: Date;
}

function toHold(r: Record<string, unknown>): LegalHold {
  return {
    holdId: String(r.hold_id),
    reference: (r.reference as string | null) ?? undefined,
    concernId: (r.concern_id as string | null) ?? undefined,
    reason: r.reason as string,
    placedBy: r.placed_by as string,
    placedAt: new Date(r.placed_at as string),
  };
}

/** The holds in force for a tenant: per concern (by concern id) and the tenant-wide one. */
export async function listHoldsInForce(db: Db, tenantId: string): Promise<{ byConcern: Map<string, LegalHold>; tenantWide?: LegalHold }> {
  const rows = await db.query<Record<string, unknown>>(
    'SELECT hold_id, concern_id::text AS concern_id, reference, reason, placed_by, placed_at FROM legal_holds WHERE tenant_id = $1 AND released_at IS NULL ORDER BY hold_id',
    [tenantId],
  );
  const holds = rows.map(toHold);
  return { byConcern: new Map(holds.filter((h) => h.concernId).map((h) => [h.concernId!, h])), tenantWide: holds.find((h) => !h.concernId) };
}

/** The hold in force on this concern, or the tenant-wide one (that first), if any. */
export async function holdInForce(db: Db, tenantId: string, concernId: string): Promise<LegalHold | undefined> {
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT hold_id, concern_id::text AS concern_id, reference, reason, placed_by, placed_at FROM legal_holds
     WHERE tenant_id = $1 AND released_at IS NULL AND (concern_id IS NULL OR concern_id = $2::uuid) ORDER BY concern_id NULLS FIRST LIMIT 1`,
    [tenantId, concernId],
  );
  return row ? toHold(row) : undefined;
}

/** Places a hold (on one concern, or on the tenant when `concern` is undefined). Call where no hold of that scope is in force. */
export async function insertHold(tx: Db, tenantId: string, concern: { concernId: string; reference: string } | undefined, hold: { reason: string; placedBy: string; placedAt: Date }): Promise<LegalHold> {
  const [row] = await tx.query<Record<string, unknown>>(
    `INSERT INTO legal_holds (tenant_id, concern_id, reference, reason, placed_by, placed_at) VALUES ($1, $2::uuid, $3, $4, $5, $6)
     RETURNING hold_id, concern_id::text AS concern_id, reference, reason, placed_by, placed_at`,
    [tenantId, concern?.concernId ?? null, concern?.reference ?? null, hold.reason, hold.placedBy, hold.placedAt],
  );
  return toHold(row!);
}

/** Ends a hold in force; false when it was already released. */
export async function releaseHold(tx: Db, tenantId: string, holdId: string, release: { reason: string; releasedBy: string; releasedAt: Date }): Promise<boolean> {
  const rows = await tx.query(
    'UPDATE legal_holds SET released_by = $3, released_at = $4, release_reason = $5 WHERE tenant_id = $1 AND hold_id = $2 AND released_at IS NULL RETURNING 1',
    [tenantId, holdId, release.releasedBy, release.releasedAt, release.reason],
  );
  return rows.length === 1;
}

/**
 * Takes the tenant's hold lock: placing or releasing a tenant-wide hold takes it exclusively
 * (`for: 'change'`), a purge of one of its concerns shares it (`for: 'purge'`), so a purge never
 * runs past a tenant-wide hold committed while it worked. Call in a transaction.
 */
export async function lockTenantHolds(tx: Db, tenantId: string, mode: 'change' | 'purge'): Promise<void> {
  await tx.query(`SELECT 1 FROM tenants WHERE tenant_id = $1 ${mode === 'change' ? 'FOR NO KEY UPDATE' : 'FOR SHARE'}`, [tenantId]);
}

/** Every hold placed for the tenant, in force or released (the history is kept), newest first. */
export async function listHoldHistory(db: Db, tenantId: string): Promise<Array<LegalHold & { released?: { by: string; at: Date; reason: string } }>> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT hold_id, concern_id::text AS concern_id, reference, reason, placed_by, placed_at, released_by, released_at, release_reason
     FROM legal_holds WHERE tenant_id = $1 ORDER BY placed_at DESC, hold_id DESC`,
    [tenantId],
  );
  return rows.map((r) => ({
    ...toHold(r),
    released: r.released_at ? { by: r.released_by as string, at: new Date(r.released_at as string), reason: r.release_reason as string } : undefined,
  }));
}
