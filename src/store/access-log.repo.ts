import type { Db } from './db';

export type AccessOutcome = 'allowed' | 'refused' | 'rejected' | 'duplicate';

export interface AccessLogEntry {
  tenantId: string;
  actorAadId: string;
  actorName?: string;
  concernId?: string;
  verb: string;
  outcome: AccessOutcome;
  /** A code or our own wording; never narrative. */
  reason?: string;
  at: Date;
}

/** The audit of who viewed or tried to act on safeguarding data. */
export async function logAccess(db: Db, e: AccessLogEntry): Promise<void> {
  await db.query('INSERT INTO access_log (tenant_id, actor_aad_id, actor_name, concern_id, verb, outcome, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    e.tenantId,
    e.actorAadId,
    e.actorName ?? null,
    e.concernId ?? null,
    e.verb,
    e.outcome,
    e.reason ?? null,
    e.at,
  ]);
}

export async function listAccessLog(db: Db, tenantId: string, filter: { concernId?: string; outcome?: AccessOutcome } = {}): Promise<AccessLogEntry[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT * FROM access_log WHERE tenant_id = $1 AND ($2::uuid IS NULL OR concern_id = $2) AND ($3::text IS NULL OR outcome = $3) ORDER BY log_id`,
    [tenantId, filter.concernId ?? null, filter.outcome ?? null],
  );
  return rows.map((r) => ({
    tenantId,
    actorAadId: r.actor_aad_id as string,
    actorName: (r.actor_name as string | null) ?? undefined,
    concernId: (r.concern_id as string | null) ?? undefined,
    verb: r.verb as string,
    outcome: r.outcome as AccessOutcome,
    reason: (r.reason as string | null) ?? undefined,
    at: new Date(r.at as string),
  }));
}
