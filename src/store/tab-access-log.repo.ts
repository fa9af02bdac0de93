import type { Db } from './db';

export type TabAccessAction = 'concern.view' | 'pupil.chronology.view' | 'pupil.file.export' | 'access-log.view' | 'records.view';

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

/**
 * The newest entries first, one tenant only; `concernId` narrows to one concern.
 * `dslTeamConcernsOnly` keeps only entries about the DSL team's concerns (or about none): not a
 * concern about an adult, whose existence the DSL team must not learn from who opened it, nor
 * one purged since, whose recipient can no longer be checked.
 */
export async function listTabAccess(db: Db, tenantId: string, options: { concernId?: string; limit?: number; dslTeamConcernsOnly?: boolean } = {}): Promise<TabAccessEntry[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT l.actor_aad_id, l.actor_name, l.action, l.concern_id, l.reference, l.pupil_key, l.outcome, l.at FROM tab_access_log l
     WHERE l.tenant_id = $1 AND ($2::uuid IS NULL OR l.concern_id = $2)
       AND (NOT $4::boolean OR l.concern_id IS NULL OR EXISTS (
         SELECT 1 FROM concerns c WHERE c.tenant_id = l.tenant_id AND c.concern_id = l.concern_id AND c.recipient = 'dsl-team'))
     ORDER BY l.at DESC, l.log_id DESC LIMIT $3`,
    [tenantId, options.concernId ?? null, options.limit ?? 500, options.dslTeamConcernsOnly === true],
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
