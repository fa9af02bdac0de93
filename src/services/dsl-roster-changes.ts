import type { Db } from '../store/db';
import { type DslMember, replaceDslMembers } from '../store/conversation.repo';
import { enqueueOutbox } from '../store/outbox.repo';
import { listOpenConcernsOwnedBy } from '../store/triage.repo';
import { DSL_CHANNEL_TARGET } from './report-concern';

/** The DSL channel's notice that someone who left the DSL team still owns open concerns. */
export const OWNER_LEFT_NOTICE_KIND = 'concern.owner-left-dsl-team';

/**
 * Stores the DSL channel's current members as the roster and, in the same transaction, tells the
 * DSL team when someone who left it still owns open concerns: they lost access at once, so
 * nobody is working on those concerns until another DSL takes them over (the tab's queue marks
 * them too).
 */
export async function updateDslRoster(db: Db, tenantId: string, members: readonly DslMember[]): Promise<void> {
  await db.transaction(async (tx) => {
    const left = await replaceDslMembers(tx, tenantId, members);
    for (const person of left) {
      const owned = await listOpenConcernsOwnedBy(tx, tenantId, person.aadObjectId);
      if (!owned.length) continue;
      const [leavings] = await tx.query<{ n: string | number }>(
        "SELECT count(*) AS n FROM role_changes WHERE tenant_id = $1 AND role = 'dsl' AND aad_object_id = $2 AND change = 'removed'",
        [tenantId, person.aadObjectId],
      );
      await enqueueOutbox(tx, {
        tenantId,
        // One notice per time they left (a DSL may leave, come back and leave again).
        idempotencyKey: `dsl-left:${person.aadObjectId}:${Number(leavings?.n ?? 0)}`,
        kind: OWNER_LEFT_NOTICE_KIND,
        targetKey: DSL_CHANNEL_TARGET,
        payload: { aadObjectId: person.aadObjectId, name: person.displayName, concernIds: owned },
      });
    }
  });
}
