import type { Db } from '../store/db';
import { priorityOf } from '../store/outbox.repo';
import type { ConcernRepository } from '../store/concern.repo';
import { loadRoutingDirectory } from '../store/tenant.repo';
import type { ConcernAbout, RecipientRole } from '../domain/concerns/concern';
import type { CategoryId } from '../domain/concerns/categories';
import { routeConcern } from '../domain/concerns/routing';
import { deliveryMessages, describeDelivery, HELD_RECIPIENT_TARGET, OUTBOX_KINDS, PROBLEM_MESSAGES } from './report-concern';
import { JIGSAW_ACTOR } from './escalate-concern';
import { alertAdmins } from './admin-alerts';

export interface HeldAllegationDeps {
  db: Db;
  concerns: ConcernRepository;
  now: () => Date;
}

/** Why a concern about an adult is held: never the headteacher for one about them. */
const heldBecause = (about: ConcernAbout) => (about === 'headteacher' ? 'no-chair' : 'no-headteacher-or-chair');

/** The alerts raised when such a concern was held: resolved once it is on its way. */
const HELD_ALERT_KINDS = ['no-chair', 'no-headteacher-or-chair'];

/**
 * Delivers the tenant's concerns about adults that were held because nobody could receive them
 * (no headteacher or chair of governors when they were reported; their outbox row is `held`,
 * target HELD_RECIPIENT_TARGET). Each is routed with the directory as it is now: to the
 * headteacher, or to the chair when the headteacher is its subject or there is no headteacher
 * (the concern's recipient then becomes the chair, so that the chair's tab and card show it).
 * Its held row becomes the delivery to that person, and its chronology records the routing.
 *
 * Runs in one transaction (the caller's, when given one: a role given in the tab delivers them
 * in the same transaction). Concerns that still have nobody stay held. Safe to run at any time
 * and concurrently: each concern is locked, and a row released by someone else is skipped.
 * Returns how many were released.
 */
export async function releaseHeldAllegations(deps: HeldAllegationDeps, tenantId: string): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const recalled = await recallFromFormerHolders(tx, tenantId);
    const held = await tx.query<{ outbox_id: string | number; concern_id: string }>(
      `SELECT outbox_id, payload->>'concernId' AS concern_id FROM outbox
       WHERE tenant_id = $1 AND target_key = $2 AND status = 'held' ORDER BY outbox_id`,
      [tenantId, HELD_RECIPIENT_TARGET],
    );
    if (!held.length) return 0;
    const { directory } = await loadRoutingDirectory(tx, tenantId);
    let released = 0;
    for (const row of held) {
      const [concern] = await tx.query<{ about: ConcernAbout; category: CategoryId; urgency: 'urgent' | 'standard'; recipient: RecipientRole; reference: string }>(
        'SELECT about, category, urgency, recipient, reference FROM concerns WHERE tenant_id = $1 AND concern_id = $2 FOR UPDATE',
        [tenantId, row.concern_id],
      );
      if (!concern) continue;
      const decision = routeConcern(concern, directory);
      const delivery = decision.deliveries[0];
      const redirectedFrom = recalled.get(row.concern_id);
      if (!delivery || delivery.to !== 'person') {
        // Still nobody. One just taken back from a former holder is held as at its report: the
        // chronology says so and the admins are told.
        if (redirectedFrom) await recordStillHeld(deps, tx, tenantId, row.concern_id, concern, redirectedFrom, now);
        continue;
      }
      // An urgent concern held for want of a recipient is urgent still: claimed ahead of the backlog.
      const [message] = deliveryMessages(tenantId, row.concern_id, delivery, directory.dslChannelRegistered, concern.urgency === 'urgent');
      // Only if still held once the concern is ours: another release may have taken it meanwhile.
      const updated = await tx.query(
        `UPDATE outbox SET target_key = $2, payload = $3::jsonb, status = 'pending', next_attempt_at = $4, priority = $6 WHERE outbox_id = $1 AND status = 'held' AND target_key = $5 RETURNING outbox_id`,
        [row.outbox_id, message!.targetKey, JSON.stringify(message!.payload), now, HELD_RECIPIENT_TARGET, priorityOf(message!)],
      );
      if (!updated.length) continue;
      if (decision.recipient !== concern.recipient) {
        await tx.query('UPDATE concerns SET recipient = $3 WHERE tenant_id = $1 AND concern_id = $2', [tenantId, row.concern_id, decision.recipient]);
      }
      const dataKey = await deps.concerns.dataKey(tx, tenantId, row.concern_id);
      await deps.concerns.appendEvent(tx, tenantId, row.concern_id, dataKey, {
        type: 'routed',
        actor: JIGSAW_ACTOR,
        occurredAt: now,
        details: redirectedFrom
          ? { recipient: decision.recipient, routing: decision.deliveries.map(describeDelivery), redirectedFrom }
          : { recipient: decision.recipient, routing: decision.deliveries.map(describeDelivery), heldBecause: heldBecause(concern.about) },
      });
      await tx.query('UPDATE admin_alerts SET resolved_at = $3 WHERE tenant_id = $1 AND subject_ref = $2 AND kind = ANY($4::text[]) AND resolved_at IS NULL', [
        tenantId,
        concern.reference,
        now,
        HELD_ALERT_KINDS,
      ]);
      released += 1;
    }
    return released;
  });
}

/**
 * Unsent copies of concerns about adults queued for someone who no longer holds the role they
 * were sent for (the headteacher or chair passed on, or was taken away, while the copy waited
 * for Teams): they are held again, to be routed with the directory as it is now, never to the
 * former holder. A copy already being sent is left to finish (sent while they held the role).
 * Returns the recalled concerns with the role each was meant for.
 */
async function recallFromFormerHolders(tx: Db, tenantId: string): Promise<Map<string, RecipientRole>> {
  const rows = await tx.query<{ concern_id: string; role: RecipientRole }>(
    `UPDATE outbox o SET target_key = $2, status = 'held',
            payload = jsonb_build_object('concernId', o.payload->>'concernId', 'view', 'full')
       FROM concerns c
      WHERE o.tenant_id = $1 AND o.status = 'pending' AND o.kind = $3
        AND c.tenant_id = o.tenant_id AND c.concern_id::text = o.payload->>'concernId'
        AND o.payload->>'view' = 'full' AND o.payload->>'role' = c.recipient AND c.recipient IN ('headteacher', 'chair')
        AND NOT EXISTS (SELECT 1 FROM role_assignments r WHERE r.tenant_id = o.tenant_id AND r.role = c.recipient AND r.aad_object_id = o.payload->>'aadObjectId')
      RETURNING c.concern_id::text AS concern_id, c.recipient AS role`,
    [tenantId, HELD_RECIPIENT_TARGET, OUTBOX_KINDS.concernToPerson],
  );
  return new Map(rows.map((r) => [r.concern_id, r.role]));
}

async function recordStillHeld(
  deps: HeldAllegationDeps,
  tx: Db,
  tenantId: string,
  concernId: string,
  concern: { about: ConcernAbout; reference: string },
  redirectedFrom: RecipientRole,
  now: Date,
): Promise<void> {
  const problem = heldBecause(concern.about);
  const dataKey = await deps.concerns.dataKey(tx, tenantId, concernId);
  await deps.concerns.appendEvent(tx, tenantId, concernId, dataKey, { type: 'routed', actor: JIGSAW_ACTOR, occurredAt: now, details: { recipient: null, redirectedFrom, heldBecause: problem } });
  await alertAdmins(tx, tenantId, problem, PROBLEM_MESSAGES[problem], concern.reference);
}

/**
 * The tenants with a held concern about an adult that someone can now receive: a chair, or a
 * headteacher for a concern not about the headteacher. What the outbox worker looks for before
 * each claim, so a concern held while a role was being given (or given outside the tab and the
 * configuration) is delivered all the same. Reads only unsent outbox rows.
 */
export async function tenantsWithReleasableAllegations(db: Db): Promise<string[]> {
  const rows = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT o.tenant_id FROM outbox o
     JOIN concerns c ON c.tenant_id = o.tenant_id AND c.concern_id::text = o.payload->>'concernId'
     WHERE o.status = 'held' AND o.target_key = $1
       AND EXISTS (SELECT 1 FROM role_assignments r WHERE r.tenant_id = o.tenant_id
                   AND (r.role = 'chair' OR (r.role = 'headteacher' AND c.about <> 'headteacher')))`,
    [HELD_RECIPIENT_TARGET],
  );
  return rows.map((r) => r.tenant_id);
}
