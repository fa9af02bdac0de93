import type { Db } from './db';

/** An audit run as the admin's list shows it (newest first). */
export interface AuditRunSummary {
  runId: string;
  mode: string;
  status: string;
  startedAt: Date;
  finishedAt?: Date;
  /** A failed run's last error (short, safe) and when the schedule tries it again. */
  error?: string;
  retryAt?: Date;
  stats: Record<string, unknown>;
  failureCount: number;
  findingsSeen: number;
}

/** The sharing audit's runs with how many findings each saw; one tenant. */
export async function listAuditRuns(db: Db, tenantId: string, limit = 20): Promise<AuditRunSummary[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT r.run_id, r.mode, r.status, r.started_at, r.finished_at, r.error, r.retry_at, r.stats, jsonb_array_length(COALESCE(r.failures, '[]'::jsonb)) AS failure_count,
       (SELECT count(*) FROM findings f WHERE f.tenant_id = r.tenant_id AND f.last_seen_run_id = r.run_id) AS findings_seen
     FROM audit_runs r WHERE r.tenant_id = $1 ORDER BY r.started_at DESC LIMIT $2`,
    [tenantId, limit],
  );
  return rows.map((r) => ({
    runId: r.run_id as string,
    mode: r.mode as string,
    status: r.status as string,
    startedAt: new Date(r.started_at as string),
    finishedAt: r.finished_at ? new Date(r.finished_at as string) : undefined,
    error: (r.error as string | null) ?? undefined,
    retryAt: r.retry_at ? new Date(r.retry_at as string) : undefined,
    stats: (r.stats as Record<string, unknown> | null) ?? {},
    failureCount: Number(r.failure_count),
    findingsSeen: Number(r.findings_seen),
  }));
}

/** Everyone holding a configured role, with the best display name Jigsaw knows for them. */
export async function listRoleHoldersWithNames(db: Db, tenantId: string): Promise<{ role: string; aadObjectId: string; displayName?: string; source: string }[]> {
  const rows = await db.query<{ role: string; aad_object_id: string; display_name: string | null; source: string }>(
    `SELECT r.role, r.aad_object_id, COALESCE(r.display_name, pc.display_name, dm.display_name) AS display_name, r.source
     FROM role_assignments r
     LEFT JOIN personal_conversations pc ON pc.tenant_id = r.tenant_id AND pc.aad_object_id = r.aad_object_id
     LEFT JOIN dsl_members dm ON dm.tenant_id = r.tenant_id AND dm.aad_object_id = r.aad_object_id
     WHERE r.tenant_id = $1 ORDER BY r.role, r.created_at, r.aad_object_id`,
    [tenantId],
  );
  return rows.map((r) => ({ role: r.role, aadObjectId: r.aad_object_id, displayName: r.display_name ?? undefined, source: r.source }));
}

/** The roles one person holds in a tenant, and whether they are on the DSL roster: one round trip. */
export async function rolesOf(db: Db, tenantId: string, aadObjectId: string): Promise<{ roles: string[]; dsl: boolean; knownTenant: boolean }> {
  const rows = await db.query<{ role: string | null; dsl: boolean; known: boolean }>(
    `SELECT r.role,
       EXISTS (SELECT 1 FROM dsl_members d WHERE d.tenant_id = $1 AND d.aad_object_id = $2) AS dsl,
       EXISTS (SELECT 1 FROM tenants t WHERE t.tenant_id = $1) AS known
     FROM (SELECT NULL::text AS role UNION ALL SELECT role FROM role_assignments WHERE tenant_id = $1 AND aad_object_id = $2) r`,
    [tenantId, aadObjectId],
  );
  return { roles: rows.map((r) => r.role).filter((r): r is string => Boolean(r)), dsl: rows[0]?.dsl === true, knownTenant: rows[0]?.known === true };
}

/** DSL roster freshness for the settings view. */
export async function dslRosterSummary(db: Db, tenantId: string): Promise<{ members: number; refreshedAt?: Date }> {
  const [row] = await db.query<{ members: string | number; refreshed_at: string | null }>('SELECT count(*) AS members, min(refreshed_at) AS refreshed_at FROM dsl_members WHERE tenant_id = $1', [tenantId]);
  return { members: Number(row?.members ?? 0), refreshedAt: row?.refreshed_at ? new Date(row.refreshed_at) : undefined };
}

/** People an admin can give a role to: those who have chatted with Jigsaw, and the DSL roster. */
export async function listKnownPeople(db: Db, tenantId: string): Promise<{ aadObjectId: string; displayName: string | null }[]> {
  const rows = await db.query<{ aad_object_id: string; display_name: string | null }>(
    `SELECT aad_object_id, max(display_name) AS display_name FROM (
       SELECT aad_object_id, display_name FROM personal_conversations WHERE tenant_id = $1
       UNION ALL
       SELECT aad_object_id, display_name FROM dsl_members WHERE tenant_id = $1
     ) p GROUP BY aad_object_id ORDER BY max(display_name), aad_object_id LIMIT 500`,
    [tenantId],
  );
  return rows.map((r) => ({ aadObjectId: r.aad_object_id, displayName: r.display_name }));
}
