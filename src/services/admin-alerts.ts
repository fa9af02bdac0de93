import type { Db } from '../store/db';
import { raiseAdminAlert } from '../store/alert.repo';
import { enqueueOutbox } from '../store/outbox.repo';
import { listRoleHolders } from '../store/tenant.repo';

export const ADMIN_ALERT_KIND = 'admin.alert';

/**
 * Records an alert and queues it to every configured admin personally (one outbox row each,
 * so one admin's unreachable chat does not hold up the others). Ids only, no narrative.
 */
export async function alertAdmins(db: Db, tenantId: string, kind: string, message: string, subjectRef?: string): Promise<number> {
  const alertId = await raiseAdminAlert(db, tenantId, kind, message, subjectRef);
  for (const admin of await listRoleHolders(db, tenantId, 'admin')) {
    await enqueueOutbox(db, {
      tenantId,
      idempotencyKey: `alert:${alertId}:${admin}`,
      kind: ADMIN_ALERT_KIND,
      targetKey: `user:${admin}`,
      payload: { alertId, aadObjectId: admin },
    });
  }
  return alertId;
}
