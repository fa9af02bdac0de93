import type { Db } from './db';

/** Alerts for administrators: ids and configuration problems, never narrative. */
export async function raiseAdminAlert(db: Db, tenantId: string, kind: string, message: string, subjectRef?: string): Promise<number> {
  const [row] = await db.query<{ alert_id: number }>(
    'INSERT INTO admin_alerts (tenant_id, kind, subject_ref, message) VALUES ($1, $2, $3, $4) RETURNING alert_id',
    [tenantId, kind, subjectRef ?? null, message],
  );
  return Number(row.alert_id);
}

export interface AdminAlert {
  alertId: number;
  kind: string;
  subjectRef?: string;
  message: string;
  createdAt: Date;
}

export async function getAdminAlert(db: Db, tenantId: string, alertId: number): Promise<AdminAlert | undefined> {
  const [r] = await db.query<Record<string, unknown>>('SELECT * FROM admin_alerts WHERE tenant_id = $1 AND alert_id = $2', [tenantId, alertId]);
  return r && { alertId: Number(r.alert_id), kind: r.kind as string, subjectRef: (r.subject_ref as string) ?? undefined, message: r.message as string, createdAt: new Date(r.created_at as string) };
}

export async function listOpenAdminAlerts(db: Db, tenantId: string): Promise<AdminAlert[]> {
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM admin_alerts WHERE tenant_id = $1 AND resolved_at IS NULL ORDER BY alert_id', [tenantId]);
  return rows.map((r) => ({ alertId: Number(r.alert_id), kind: r.kind as string, subjectRef: (r.subject_ref as string) ?? undefined, message: r.message as string, createdAt: new Date(r.created_at as string) }));
}
