import type { Db } from './db';

export type TabAccessAction = 'concern.view' | 'pupil.chronology.view' | 'pupil.file.export' | 'access-log.view';

export interface TabAccessEntry {
  tenantId: string;
  actorAadId: string;
  actorName?: string;
  action: TabAccessAction;
  concernId?: string;
  reference?: string;
  pupilKey?: string;
  outcome: 'allowed' | 'refused';
  at: Date;
}

/** One row per view of safeguarding data in the tab (who, what, when). */
export async function writeTabAccess(db: Db, e: TabAccessEntry): Promise<void> {
  await db.query(
    `INSERT INTO tab_access_log (tenant_id, actor_aad_id, actor_name, action, concern_id, reference, pupil_key, outcome, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [e.tenantId, e.actorAadId, e.actorName ?? null, e.action, e.concernId ?? null, e.reference ?? null, e.pupilKey ?? null, e.outcome, e.at],
  );
}

/** The newest entries first, one tenant only; `concernId` narrows to one concern. */
export async function listTabAccess(db: Db, tenantId: string, options: { concernId?: string; limit?: number } = {}): Promise<TabAccessEntry[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT actor_aad_id, actor_name, action, concern_id, reference, pupil_key, outcome, at FROM tab_access_log
     WHERE tenant_id = $1 AND ($2::uuid IS NULL OR concern_id = $2)
     ORDER BY at DESC, log_id DESC LIMIT $3`,
    [tenantId, options.concernId ?? null, options.limit ?? 500],
  );
  return rows.map((r) => ({
    tenantId,
    actorAadId: r.actor_aad_id as string,
    actorName: (r.actor_name as string | null) ?? undefined,
    action: r.action as TabAccessAction,
    concernId: (r.concern_id as string | null) ?? undefined,
    reference: (r.reference as string | null) ?? undefined,
    pupilKey: (r.pupil_key as string | null) ?? undefined,
    outcome: r.outcome as 'allowed' | 'refused',
    at: new Date(r.at as string),
  }));
}
