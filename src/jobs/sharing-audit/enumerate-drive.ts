import {
  finishDriveEnumeration,
  markSubtreesDeleted,
  refreshTreeStatistics,
  restartDriveScan,
  saveDriveCursor,
  sweepUnseenItems,
  upsertDriveItems,
  type DriveState,
} from '../../store/sharing-drives.repo';
import type { AuditContext } from './audit-context';
import { ResyncRequired } from './ports';

// A drive that asks for a resync again and again is failing, not expiring.
const MAX_RESYNCS_PER_RUN = 3;
// After loading this many items, refresh the planner's statistics before querying the tree.
const ANALYZE_AFTER_ITEMS = 5_000;

/**
 * Consumes a drive's delta pages into the stored tree, one transaction per page: the items,
 * the deletions (a deleted folder takes its subtree) and the cursor to resume from. The last
 * page stores the delta token; a full scan then sweeps what it did not see. A 410
 * (`ResyncRequired`) restarts the drive from nothing as a full scan.
 */
export async function enumerateDrive(context: AuditContext, initial: DriveState): Promise<void> {
  const { db, tenantId } = context;
  let state = initial;
  let loaded = 0;
  for (let resyncs = 0; ; resyncs += 1) {
    try {
      let finished = false;
      for await (const page of context.delta.pages(state.driveId, state.resumeCursor)) {
        const generation = state.scanGeneration;
        const fullScan = state.fullScan;
        await db.transaction(async (tx) => {
          await upsertDriveItems(tx, tenantId, state.driveId, generation, page.items);
          const deleted = page.items.filter((i) => i.deleted).map((i) => i.id);
          await markSubtreesDeleted(tx, tenantId, state.driveId, deleted);
          if (page.deltaToken) {
            if (fullScan) await sweepUnseenItems(tx, tenantId, state.driveId, generation);
            await finishDriveEnumeration(tx, tenantId, state.driveId, page.deltaToken);
          } else {
            await saveDriveCursor(tx, tenantId, state.driveId, page.nextCursor);
          }
        });
        context.counters.itemsEnumerated += page.items.length;
        loaded += page.items.length;
        context.report('enumerate', state.driveId);
        if (page.deltaToken) {
          finished = true;
          break;
        }
        if (!page.nextCursor) throw new Error(`delta for drive ${state.driveId} ended without a delta token`);
      }
      if (!finished) throw new Error(`delta for drive ${state.driveId} ended without a delta token`);
      if (loaded >= ANALYZE_AFTER_ITEMS) await refreshTreeStatistics(db);
      return;
    } catch (err) {
      if (!(err instanceof ResyncRequired) || resyncs >= MAX_RESYNCS_PER_RUN) throw err;
      state = await restartDriveScan(db, tenantId, state.driveId);
    }
  }
}
