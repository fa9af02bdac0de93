import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import { listDslMembers } from '../store/conversation.repo';
import { enqueueOutbox } from '../store/outbox.repo';
import { listRoleHolders } from '../store/tenant.repo';
import { markTimerCancelled, markTimerFired, scheduleTimer, type Timer } from '../store/timer.repo';
import { isDslChannelRegistered, lockConcernForTriage } from '../store/triage.repo';
import type { Person } from '../domain/concerns/concern';
import { alertAdmins } from './admin-alerts';
import { DSL_CHANNEL_TARGET, OUTBOX_KINDS, userTarget } from './report-concern';
import { enqueueCardUpdate, TRIAGE_OUTBOX_KINDS } from './triage-concern';

export interface EscalationSettings {
  /** An urgent concern unacknowledged this long: every DSL is @mentioned and messaged. */
  firstMinutes: number;
  /** Still unacknowledged this long after that: the headteacher is told. */
  secondMinutes: number;
}

/** The actor of automatic chronology events. */
export const JIGSAW_ACTOR: Person = { aadObjectId: 'jigsaw', name: 'Jigsaw (automatic)' };

/** The admins' alert when an urgent concern's headteacher stage finds no headteacher to tell. */
export const noHeadteacherToEscalateTo = (minutes: number) =>
  `An urgent concern has not been acknowledged for ${minutes} minutes and no headteacher is configured to escalate it to. Make sure a DSL picks it up now.`;

export interface EscalationDeps {
  db: Db;
  concerns: ConcernRepository;
  now: () => Date;
  escalation: EscalationSettings;
}

/**
 * Fires one claimed escalation timer in one transaction. The concern row is locked first, so
 * an acknowledgement committing at the same moment either happened before (the timer is
 * cancelled, nothing is sent) or waits for this to finish (and then cancels what is left).
 */
export async function fireEscalationTimer(deps: EscalationDeps, timer: Timer): Promise<'fired' | 'cancelled'> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const row = await lockConcernForTriage(tx, timer.tenantId, timer.concernId);
    if (!row || row.state.status !== 'new') {
      await markTimerCancelled(tx, timer.timerId, now);
      return 'cancelled';
    }
    if (!(await markTimerFired(tx, timer.timerId, now))) return 'cancelled';
    const { tenantId, concernId } = row;
    const minutes = Math.max(0, Math.round((now.getTime() - row.createdAt.getTime()) / 60_000));
    const dataKey = await deps.concerns.dataKey(tx, tenantId, concernId);

    if (timer.kind === 'escalate-dsls') {
      const dsls = await listDslMembers(tx, tenantId);
      const registered = await isDslChannelRegistered(tx, tenantId);
      await enqueueOutbox(tx, {
        tenantId,
        idempotencyKey: `concern:${concernId}:escalation:dsls:channel`,
        kind: TRIAGE_OUTBOX_KINDS.escalationRepost,
        targetKey: DSL_CHANNEL_TARGET,
        payload: { concernId, minutes },
        held: !registered,
        // Nobody has acknowledged the concern in time: escalations go before any backlog.
        urgent: true,
      });
      // The @mentions go in a reply under the re-posted card (as for the first post): a card
      // update would otherwise wipe them, and the thread keeps the alert with the concern.
      await enqueueOutbox(tx, {
        tenantId,
        idempotencyKey: `concern:${concernId}:escalation:dsls:mention`,
        kind: OUTBOX_KINDS.urgentMention,
        targetKey: DSL_CHANNEL_TARGET,
        payload: { concernId, postKey: `concern:${concernId}:escalation:dsls:channel` },
        held: !registered,
        urgent: true,
      });
      for (const dsl of dsls) {
        await enqueueOutbox(tx, {
          tenantId,
          idempotencyKey: `concern:${concernId}:escalation:dsls:${dsl.aadObjectId}`,
          kind: TRIAGE_OUTBOX_KINDS.escalationToPerson,
          targetKey: userTarget(dsl.aadObjectId),
          payload: { concernId, aadObjectId: dsl.aadObjectId, stage: 'dsl', minutes },
          urgent: true,
        });
      }
      await deps.concerns.appendEvent(tx, tenantId, concernId, dataKey, {
        type: 'escalated',
        actor: JIGSAW_ACTOR,
        occurredAt: now,
        details: { stage: 'dsls', minutes, dslsNotified: dsls.length, dslChannelRegistered: registered },
      });
      // With no DSL channel the concern has reached no DSL (its card, the re-post and the
      // @mentions are held): the headteacher is told at once rather than after another wait.
      const headteacherDue = registered ? new Date(now.getTime() + deps.escalation.secondMinutes * 60_000) : now;
      await scheduleTimer(tx, { tenantId, kind: 'escalate-headteacher', concernId, dueAt: headteacherDue });
    } else {
      const [headteacher] = await listRoleHolders(tx, tenantId, 'headteacher');
      if (headteacher) {
        await enqueueOutbox(tx, {
          tenantId,
          idempotencyKey: `concern:${concernId}:escalation:headteacher:${headteacher}`,
          kind: TRIAGE_OUTBOX_KINDS.escalationToPerson,
          targetKey: userTarget(headteacher),
          payload: { concernId, aadObjectId: headteacher, stage: 'headteacher', minutes },
          urgent: true,
        });
      } else {
        await alertAdmins(tx, tenantId, 'no-headteacher', noHeadteacherToEscalateTo(minutes), row.reference);
      }
      await deps.concerns.appendEvent(tx, tenantId, concernId, dataKey, {
        type: 'escalated',
        actor: JIGSAW_ACTOR,
        occurredAt: now,
        details: { stage: 'headteacher', minutes, headteacherNotified: Boolean(headteacher) },
      });
    }
    await enqueueCardUpdate(tx, tenantId, concernId, row.recipient, `escalation:${timer.kind}`);
    return 'fired';
  });
}
