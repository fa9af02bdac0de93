import type { SharingPermission } from '../../domain/sharing/types';
import {
  clearPermissionsStale,
  deleteItemPermissions,
  deletePermissionsOfNonRoots,
  insertItemPermissions,
  listStaleRoots,
  setDrivePhase,
} from '../../store/sharing-drives.repo';
import { type AuditContext, recordFailure } from './audit-context';

/**
 * Fetches permissions for the sharing roots marked stale by enumeration — never for other
 * items — and stores each batch with its stale marks cleared in one transaction, so an
 * interrupted run carries on where it stopped. A root whose fetch failed stays stale: it is
 * recorded as a failure now and fetched again by the next run.
 */
export async function fetchRootPermissions(context: AuditContext, driveId: string): Promise<void> {
  const { db, tenantId } = context;
  let after = '';
  for (;;) {
    const itemIds = await listStaleRoots(db, tenantId, driveId, after, context.permissionBatchSize);
    if (itemIds.length === 0) break;
    after = itemIds[itemIds.length - 1];
    const results = await context.permissions.listPermissions(driveId, itemIds);
    const byId = new Map(results.map((r) => [r.itemId, r]));
    const done: Array<{ itemId: string; permissions: SharingPermission[] }> = [];
    for (const itemId of itemIds) {
      const result = byId.get(itemId);
      if (!result) recordFailure(context, { driveId, itemId, step: 'permissions', error: 'no result returned' });
      else if (result.status === 'failed') recordFailure(context, { driveId, itemId, step: 'permissions', error: result.error });
      else done.push({ itemId, permissions: result.status === 'ok' ? result.permissions : [] });
    }
    await db.transaction(async (tx) => {
      const ids = done.map((d) => d.itemId);
      await deleteItemPermissions(tx, tenantId, driveId, ids);
      await insertItemPermissions(tx, tenantId, driveId, done);
      await clearPermissionsStale(tx, tenantId, driveId, ids);
    });
    context.counters.rootsFetched += done.length;
    context.report('permissions', driveId);
  }
  await db.transaction(async (tx) => {
    await deletePermissionsOfNonRoots(tx, tenantId, driveId);
    await setDrivePhase(tx, tenantId, driveId, 'analyse');
  });
}
