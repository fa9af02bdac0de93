import type { Db } from './db';
import { holdInForce, lockTenantHolds } from './legal-hold.repo';

/**
 * SQL for retention: what has passed its retention period, and the purge itself. Tables that
 * belong to other capabilities may not exist yet in every deployment, so each purge step names
 * its table and is skipped when the table is absent. To make a new table part of a concern's
 * purge, add one line to CONCERN_CHILD_TABLES.
 */

export interface RetentionPolicyRow {
  concernYears?: number;
  aupYears?: number;
  auditFindingsDays?: number;
}

export interface ExpiredConcern {
  concernId: string;
  reference: string;
  status: string;
  /** pupil, adult or headteacher: concerns about adults are kept longer (jobs/retention.ts). */
  about: string;
  createdAt: Date;
}

export interface ExpiredFinding {
  findingId: string;
  lastSeenAt: Date;
}

/**
 * Rows that belong to a concern, deleted before the concern itself (children first). `where`
 * selects the rows of concern $2 in tenant $1.
 */
const CONCERN_CHILD_TABLES: readonly { table: string; where: string }[] = [
  { table: 'concern_events', where: 'tenant_id = $1 AND concern_id = $2::uuid' },
  { table: 'concern_pupils', where: 'tenant_id = $1 AND concern_id = $2::uuid' },
  { table: 'triage_actions', where: 'tenant_id = $1 AND concern_id = $2::uuid' },
  { table: 'concern_links', where: 'tenant_id = $1 AND (concern_id = $2::uuid OR linked_concern_id = $2::uuid)' },
  { table: 'concern_participants', where: 'tenant_id = $1 AND concern_id = $2::uuid' },
  { table: 'timers', where: 'tenant_id = $1 AND concern_id = $2::uuid' },
  { table: 'pattern_alerts', where: 'tenant_id = $1 AND newest_concern_id = $2::uuid' },
  // Deliveries hold ids only, but a pending one would fail forever once the concern is gone.
  { table: 'outbox', where: "tenant_id = $1 AND payload->>'concernId' = $2::text" },
  // A pattern alert's delivery lists the concerns (payload.concernIds) and is keyed by the pupil's
  // hashed key: it goes with the first of them purged (pattern_alerts keeps it from being re-raised
  // while the newest remains), so nothing of a purged pupil stays in the outbox.
  { table: 'outbox', where: "tenant_id = $1 AND kind = 'concern.pattern-alert' AND payload->'concernIds' @> jsonb_build_array($2::text)" },
];
// After the concern: its data key. Deleting the key also makes any copy of the ciphertext (a backup) unreadable.
const CONCERN_AFTER_TABLES: readonly { table: string; where: string }[] = [{ table: 'concern_keys', where: 'tenant_id = $1 AND concern_id = $2::uuid' }];

/** Rows linked to an audit finding, deleted with it. */
const FINDING_CHILD_TABLES: readonly { table: string; where: string }[] = [
  { table: 'owner_notifications', where: 'tenant_id = $1 AND finding_id = $2' },
  { table: 'remediations', where: 'tenant_id = $1 AND finding_id = $2' },
];

export async function tableExists(db: Db, table: string): Promise<boolean> {
  const [row] = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
  return Boolean(row?.present);
}

export async function listTenantIds(db: Db): Promise<string[]> {
  const rows = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM tenants ORDER BY tenant_id');
  return rows.map((r) => r.tenant_id);
}

export async function getRetentionPolicy(db: Db, tenantId: string): Promise<RetentionPolicyRow> {
  const [row] = await db.query<{ concern_years: number | null; aup_years: number | null; audit_findings_days: number | null }>(
    'SELECT concern_years, aup_years, audit_findings_days FROM retention_policies WHERE tenant_id = $1',
    [tenantId],
  );
  return { concernYears: row?.concern_years ?? undefined, aupYears: row?.aup_years ?? undefined, auditFindingsDays: row?.audit_findings_days ?? undefined };
}

export async function setRetentionPolicy(db: Db, tenantId: string, policy: RetentionPolicyRow, updatedBy: string): Promise<void> {
  await db.query(
    `INSERT INTO retention_policies (tenant_id, concern_years, aup_years, audit_findings_days, updated_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id) DO UPDATE SET concern_years = COALESCE($2, retention_policies.concern_years), aup_years = COALESCE($3, retention_policies.aup_years),
       audit_findings_days = COALESCE($4, retention_policies.audit_findings_days), updated_by = $5, updated_at = now()`,
    [tenantId, policy.concernYears ?? null, policy.aupYears ?? null, policy.auditFindingsDays ?? null, updatedBy],
  );
}

/** Concerns recorded before `cutoff` (their retention period has ended), oldest first. */
export async function listConcernsRecordedBefore(db: Db, tenantId: string, cutoff: Date): Promise<ExpiredConcern[]> {
  const rows = await db.query<{ concern_id: string; reference: string; status: string; about: string; created_at: string | Date }>(
    'SELECT concern_id::text AS concern_id, reference, status, about, created_at FROM concerns WHERE tenant_id = $1 AND created_at < $2 ORDER BY created_at, reference',
    [tenantId, cutoff],
  );
  return rows.map((r) => ({ concernId: r.concern_id, reference: r.reference, status: r.status, about: r.about, createdAt: new Date(r.created_at) }));
}

/** Turns on the append-only triggers' purge exception for the caller's transaction only. */
export async function allowPurgeInTransaction(tx: Db): Promise<void> {
  await tx.query("SELECT set_config('jigsaw.retention_purge', 'on', true)");
}

async function deleteSteps(tx: Db, steps: readonly { table: string; where: string }[], tenantId: string, id: string, counts: Record<string, number>): Promise<void> {
  for (const step of steps) {
    if (!(await tableExists(tx, step.table))) continue;
    const rows = await tx.query(`DELETE FROM ${step.table} WHERE ${step.where} RETURNING 1`, [tenantId, id]);
    if (rows.length) counts[step.table] = (counts[step.table] ?? 0) + rows.length;
  }
}

/**
 * Deletes one concern and everything that belongs to it; returns rows deleted per table (empty
 * when the concern is gone, or no longer closed and recorded before `cutoff`: reopened since the
 * plan was made; or on legal hold). Without a cutoff (a deletion by hand) any closed concern qualifies. Call in a transaction after allowPurgeInTransaction.
 *
 * A pupil named by no remaining concern of the tenant leaves no trace of their name (the pupil
 * key is the normalised name): their file-transfer records are deleted, and the tab's access-log
 * entries are kept (who, what, when, the reference) without the key.
 */
export async function deleteConcern(tx: Db, tenantId: string, concernId: string, cutoff: Date | undefined): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  // Shares the tenant's hold lock, then locks the row, so a reopen or a legal hold waits for the
  // purge (or the purge sees it: the hold is read after both locks, in a statement of its own).
  await lockTenantHolds(tx, tenantId, 'purge');
  const [still] = await tx.query(
    "SELECT 1 FROM concerns WHERE tenant_id = $1 AND concern_id = $2::uuid AND status = 'closed' AND ($3::timestamptz IS NULL OR created_at < $3) FOR UPDATE",
    [tenantId, concernId, cutoff ?? null],
  );
  if (!still) return counts;
  if (await holdInForce(tx, tenantId, concernId)) return counts;
  const pupilKeys = (await tx.query<{ pupil_key: string }>('SELECT DISTINCT pupil_key FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2::uuid', [tenantId, concernId])).map((r) => r.pupil_key);
  await deleteSteps(tx, CONCERN_CHILD_TABLES, tenantId, concernId, counts);
  const rows = await tx.query('DELETE FROM concerns WHERE tenant_id = $1 AND concern_id = $2::uuid RETURNING 1', [tenantId, concernId]);
  counts.concerns = rows.length;
  await deleteSteps(tx, CONCERN_AFTER_TABLES, tenantId, concernId, counts);
  const orphaned = pupilKeys.length
    ? (await tx.query<{ pupil_key: string }>(
        'SELECT k AS pupil_key FROM unnest($2::text[]) AS k WHERE NOT EXISTS (SELECT 1 FROM concern_pupils p WHERE p.tenant_id = $1 AND p.pupil_key = k)',
        [tenantId, pupilKeys],
      )).map((r) => r.pupil_key)
    : [];
  if (orphaned.length) {
    if (await tableExists(tx, 'pupil_file_transfers')) {
      const n = (await tx.query('DELETE FROM pupil_file_transfers WHERE tenant_id = $1 AND pupil_key = ANY($2::text[]) RETURNING 1', [tenantId, orphaned])).length;
      if (n) counts.pupil_file_transfers = n;
    }
    if (await tableExists(tx, 'tab_access_log')) {
      const n = (await tx.query('UPDATE tab_access_log SET pupil_key = NULL WHERE tenant_id = $1 AND pupil_key = ANY($2::text[]) RETURNING 1', [tenantId, orphaned])).length;
      if (n) counts.tab_access_log_pupil_keys_removed = n;
    }
  }
  return counts;
}

export async function countAupAcknowledgementsBefore(db: Db, tenantId: string, cutoff: Date): Promise<number> {
  if (!(await tableExists(db, 'aup_acknowledgements'))) return 0;
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM aup_acknowledgements WHERE tenant_id = $1 AND acknowledged_at < $2', [tenantId, cutoff]);
  return Number(row?.n ?? 0);
}

export async function deleteAupAcknowledgementsBefore(tx: Db, tenantId: string, cutoff: Date): Promise<number> {
  if (!(await tableExists(tx, 'aup_acknowledgements'))) return 0;
  return (await tx.query('DELETE FROM aup_acknowledgements WHERE tenant_id = $1 AND acknowledged_at < $2 RETURNING 1', [tenantId, cutoff])).length;
}

export async function countAupSendsBefore(db: Db, tenantId: string, cutoff: Date): Promise<number> {
  if (!(await tableExists(db, 'aup_sends'))) return 0;
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM aup_sends WHERE tenant_id = $1 AND created_at < $2', [tenantId, cutoff]);
  return Number(row?.n ?? 0);
}

export async function deleteAupSendsBefore(tx: Db, tenantId: string, cutoff: Date): Promise<number> {
  if (!(await tableExists(tx, 'aup_sends'))) return 0;
  return (await tx.query('DELETE FROM aup_sends WHERE tenant_id = $1 AND created_at < $2 RETURNING 1', [tenantId, cutoff])).length;
}

/** Audit findings not seen by any audit since `cutoff`. */
export async function listFindingsLastSeenBefore(db: Db, tenantId: string, cutoff: Date): Promise<ExpiredFinding[]> {
  if (!(await tableExists(db, 'findings'))) return [];
  const rows = await db.query<{ finding_id: string; last_seen_at: string | Date }>(
    'SELECT finding_id, last_seen_at FROM findings WHERE tenant_id = $1 AND last_seen_at < $2 ORDER BY last_seen_at, finding_id',
    [tenantId, cutoff],
  );
  return rows.map((r) => ({ findingId: r.finding_id, lastSeenAt: new Date(r.last_seen_at) }));
}

export async function deleteFinding(tx: Db, tenantId: string, findingId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await deleteSteps(tx, FINDING_CHILD_TABLES, tenantId, findingId, counts);
  counts.findings = (await tx.query('DELETE FROM findings WHERE tenant_id = $1 AND finding_id = $2 RETURNING 1', [tenantId, findingId])).length;
  return counts;
}

export interface PurgeRecord {
  tenantId: string;
  runId: string;
  recordKind: 'concern' | 'aup-acknowledgements' | 'aup-sends' | 'audit-finding';
  recordRef?: string;
  cutoff: Date;
  counts: Record<string, number>;
  purgedBy: string;
  purgedAt: Date;
}

export async function recordPurge(tx: Db, p: PurgeRecord): Promise<void> {
  await tx.query(
    'INSERT INTO retention_purges (tenant_id, run_id, record_kind, record_ref, cutoff, counts, purged_by, purged_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [p.tenantId, p.runId, p.recordKind, p.recordRef ?? null, p.cutoff, JSON.stringify(p.counts), p.purgedBy, p.purgedAt],
  );
}

export async function listPurges(db: Db, tenantId: string): Promise<PurgeRecord[]> {
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM retention_purges WHERE tenant_id = $1 ORDER BY purge_id', [tenantId]);
  return rows.map((r) => ({
    tenantId: r.tenant_id as string,
    runId: r.run_id as string,
    recordKind: r.record_kind as PurgeRecord['recordKind'],
    recordRef: (r.record_ref as string | null) ?? undefined,
    cutoff: new Date(r.cutoff as string),
    counts: r.counts as Record<string, number>,
    purgedBy: r.purged_by as string,
    purgedAt: new Date(r.purged_at as string),
  }));
}

/** When the retention purge deleted each of these concerns (by tenant and reference), where it did. Keyed `tenantId/reference`. */
export async function listConcernPurges(db: Db, concerns: readonly { tenantId: string; reference: string }[]): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  if (concerns.length === 0) return out;
  const rows = await db.query<{ tenant_id: string; record_ref: string; purged_at: string | Date }>(
    `SELECT p.tenant_id, p.record_ref, max(p.purged_at) AS purged_at
     FROM retention_purges p JOIN unnest($1::text[], $2::text[]) AS c (tenant_id, reference) ON p.tenant_id = c.tenant_id AND p.record_ref = c.reference
     WHERE p.record_kind = 'concern'
     GROUP BY p.tenant_id, p.record_ref`,
    [concerns.map((c) => c.tenantId), concerns.map((c) => c.reference)],
  );
  for (const r of rows) out.set(`${r.tenant_id}/${r.record_ref}`, new Date(r.purged_at));
  return out;
}

/** The tombstone of a concern deleted by hand: reference, whom it was about (a role), why, by whom, when, counts. */
export async function recordConcernDeletion(
  tx: Db,
  d: { tenantId: string; reference: string; about: string; reason: string; deletedBy: string; deletedAt: Date; counts: Record<string, number> },
): Promise<void> {
  await tx.query('INSERT INTO concern_deletions (tenant_id, reference, about, reason, deleted_by, deleted_at, counts) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    d.tenantId, d.reference, d.about, d.reason, d.deletedBy, d.deletedAt, JSON.stringify(d.counts),
  ]);
}

/** When each of these concerns was deleted by hand, where one was. Keyed `tenantId/reference`. */
export async function listConcernDeletions(db: Db, concerns: readonly { tenantId: string; reference: string }[]): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  if (concerns.length === 0) return out;
  const rows = await db.query<{ tenant_id: string; reference: string; deleted_at: string | Date }>(
    `SELECT d.tenant_id, d.reference, d.deleted_at
     FROM concern_deletions d JOIN unnest($1::text[], $2::text[]) AS c (tenant_id, reference) ON d.tenant_id = c.tenant_id AND d.reference = c.reference`,
    [concerns.map((c) => c.tenantId), concerns.map((c) => c.reference)],
  );
  for (const r of rows) out.set(`${r.tenant_id}/${r.reference}`, new Date(r.deleted_at));
  return out;
}

/** The tombstones of concerns deleted by hand: reference, whom it was about (a role), when, by whom, why. Newest first. */
export async function listConcernDeletionRecords(db: Db, tenantId: string): Promise<Array<{ reference: string; about: string; reason: string; deletedBy: string; deletedAt: Date }>> {
  const rows = await db.query<{ reference: string; about: string; reason: string; deleted_by: string; deleted_at: string | Date }>(
    'SELECT reference, about, reason, deleted_by, deleted_at FROM concern_deletions WHERE tenant_id = $1 ORDER BY deleted_at DESC, deletion_id DESC',
    [tenantId],
  );
  return rows.map((r) => ({ reference: r.reference, about: r.about, reason: r.reason, deletedBy: r.deleted_by, deletedAt: new Date(r.deleted_at) }));
}
