import type { Db } from './db';
import { tableExists } from './retention.repo';

/** SQL for a subject access export: which records mention a pupil. */

/** Concerns naming the pupil (by normalised key), oldest first, in one tenant or all. */
export async function listConcernIdsForPupil(db: Db, pupilKey: string, tenantId?: string): Promise<{ tenantId: string; concernId: string }[]> {
  const rows = await db.query<{ tenant_id: string; concern_id: string }>(
    `SELECT DISTINCT c.tenant_id, c.concern_id::text AS concern_id, c.created_at FROM concern_pupils p
     JOIN concerns c ON c.tenant_id = p.tenant_id AND c.concern_id = p.concern_id
     WHERE p.pupil_key = $1 AND ($2::text IS NULL OR c.tenant_id = $2) ORDER BY c.created_at`,
    [pupilKey, tenantId ?? null],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, concernId: r.concern_id }));
}

/** AUP acknowledgements recorded under the pupil's name (pupils have no Entra id in every school). */
export async function listAupAcknowledgementsByName(db: Db, displayName: string, tenantId?: string): Promise<Record<string, unknown>[]> {
  if (!(await tableExists(db, 'aup_acknowledgements'))) return [];
  return db.query(
    `SELECT a.tenant_id, a.version_id::text AS version_id, a.display_name, a.acknowledged_at, a.method, a.content_hash, a.recorded_by
     FROM aup_acknowledgements a WHERE lower(a.display_name) = lower($1) AND ($2::text IS NULL OR a.tenant_id = $2) ORDER BY a.acknowledged_at`,
    [displayName, tenantId ?? null],
  );
}

/** Records of the pupil's safeguarding file being transferred to a new school (by normalised key), oldest first. */
export async function listFileTransfersForPupil(db: Db, pupilKey: string, tenantId?: string): Promise<Record<string, unknown>[]> {
  if (!(await tableExists(db, 'pupil_file_transfers'))) return [];
  const rows = await db.query<Record<string, unknown>>(
    `SELECT tenant_id, transfer_id::text AS transfer_id, destination_school, concern_count, exported_by_name, exported_at, receipt_confirmed_at, receipt_note
     FROM pupil_file_transfers WHERE pupil_key = $1 AND ($2::text IS NULL OR tenant_id = $2) ORDER BY exported_at, transfer_id`,
    [pupilKey, tenantId ?? null],
  );
  const iso = (v: unknown) => (v === null || v === undefined ? undefined : new Date(v as string).toISOString());
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    transferId: r.transfer_id,
    destinationSchool: r.destination_school,
    concernCount: Number(r.concern_count),
    exportedByName: r.exported_by_name,
    exportedAt: iso(r.exported_at),
    receiptConfirmedAt: iso(r.receipt_confirmed_at),
    receiptNote: (r.receipt_note as string | null) ?? undefined,
  }));
}
