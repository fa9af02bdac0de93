import type { Db } from '../store/db';
import { type DslMember, replaceDslMembers } from '../store/conversation.repo';
import { enqueueOutbox } from '../store/outbox.repo';
import { DSL_CHANNEL_TARGET } from './report-concern';

/** The DSL channel's notice that someone who left the DSL team still owns open concerns. */
export const OWNER_LEFT_NOTICE_KIND = 'concern.owner-left-dsl-team';

/**
 * Stores the DSL channel's current members as the roster and, in the same transaction, tells the
 * DSL team when someone who left it still owns open concerns: they lost access at once, so
 * nobody is working on those concerns until another DSL takes them over (the tab's queue marks
 * them too). Returns who left.
 */
export async function updateDslRoster(db: Db, tenantId: string, members: readonly DslMember[]): Promise<{ aadObjectId: string; displayName: string }[]> {
  return db.transaction(async (tx) => {
    const left = await replaceDslMembers(tx, tenantId, members);
    for (const person of left) {
      const owned = await tx.query<{ concern_id: string }>(
        `SELECT concern_id::text AS concern_id FROM concerns
         WHERE tenant_id = $1 AND owner_aad_id = $2 AND status <> 'closed' AND recipient = 'dsl-team' ORDER BY created_at`,
        [tenantId, person.aadObjectId],
      );
      if (!owned.length) continue;
      const [{ n }] = await tx.query<{ n: string | number }>(
        "SELECT count(*) AS n FROM role_changes WHERE tenant_id = $1 AND role = 'dsl' AND aad_object_id = $2 AND change = 'removed'",
        [tenantId, person.aadObjectId],
      ) as [{ n: string | number }];
      await enqueueOutbox(tx, {
        tenantId,
        // One notice per time they left (a DSL may leave, come back and leave again).
        idempotencyKey: `dsl-left:${person.aadObjectId}:${Number(n)}`,
        kind: OWNER_LEFT_NOTICE_KIND,
        targetKey: DSL_CHANNEL_TARGET,
        payload: { aadObjectId: person.aadObjectId, name: person.displayName, concernIds: owned.map((r) => r.concern_id) },
      });
    }
    return left;
  });
}
