import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import { getDslChannel, getPersonalConversation, listDslMembers } from '../store/conversation.repo';
import type { OutboxMessage } from '../store/outbox.repo';
import { hasNewerPendingUpdate, listSentDeliveries, markDeliveryWithdrawn } from '../store/concern-delivery.repo';
import { listOpenConcernsOwnedBy, listReferences } from '../store/triage.repo';
import { buildConcernBaseCard, buildConcernNoLongerAvailableCard, buildEscalationNoticeCard, buildOwnerLeftDslTeamCard, buildOwnershipTakenOverCard, buildPatternAlertCard, buildReporterFeedbackCard } from '../cards/triage-card';
import { OWNER_LEFT_NOTICE_KIND } from '../services/dsl-roster-changes';
import { OUTBOX_KINDS } from '../services/report-concern';
import { TRIAGE_OUTBOX_KINDS } from '../services/triage-concern';
import { PATTERN_ALERT_KIND } from '../services/pattern-alerts';
import { loadBaseView } from '../services/concern-views';
import { checkTriageAccess } from '../services/triage-access';
import { formatLocal } from '../domain/clock';
import { personTarget } from './person-target';
import { listRoleHolders } from '../store/tenant.repo';
import { alertAdmins } from '../services/admin-alerts';
import { noHeadteacherToEscalateTo } from '../services/escalate-concern';
import { DeliveryError, type SentMessage, type TeamsGateway } from './teams-gateway';
import { sendConcernCard, updateConcernCard } from './concern-card-delivery';

export interface TriageDeliveryDeps {
  db: Db;
  concerns: ConcernRepository;
  gateway: TeamsGateway;
  defaultServiceUrl: string;
  botId: string;
}

export const TRIAGE_DELIVERY_KINDS: ReadonlySet<string> = new Set([...Object.values(TRIAGE_OUTBOX_KINDS), PATTERN_ALERT_KIND, OWNER_LEFT_NOTICE_KIND]);

/** Messages whose cards show the concern's triage state and are updated after every change. */
const UPDATABLE_KINDS = [OUTBOX_KINDS.concernToChannel, OUTBOX_KINDS.concernToPerson, TRIAGE_OUTBOX_KINDS.escalationRepost, TRIAGE_OUTBOX_KINDS.escalationToPerson, TRIAGE_OUTBOX_KINDS.participantCopy];

/**
 * The words a personal message carries above its card. An update re-sends them: Teams replaces
 * the whole message, so an update with the card alone erased "URGENT: … not acknowledged" from
 * the DSL's chat moments after it arrived (the escalation itself updates every card).
 */
function personalMessageText(kind: string, payload: Record<string, unknown>, reference: string): string | undefined {
  if (kind === TRIAGE_OUTBOX_KINDS.escalationToPerson && payload.stage !== 'headteacher') {
    return `URGENT: concern ${reference} has not been acknowledged for ${Number(payload.minutes)} minutes. Please acknowledge it now.`;
  }
  if (kind === TRIAGE_OUTBOX_KINDS.participantCopy) {
    return `You have been given access to concern ${reference}. It is confidential: do not discuss it with the adult concerned or with colleagues.`;
  }
  return undefined;
}

/**
 * Above a concern's card re-sent after an interrupted attempt (the worker stopped between
 * Teams accepting a post and Jigsaw recording it): Teams may already show an earlier copy,
 * which nothing will update. The DSLs are told which card to trust.
 */
export function possibleRepeatText(reference: string): string {
  return `Jigsaw may have posted concern ${reference} here once already: it restarted while posting it. This card is the one kept up to date; an earlier card with the same reference can be ignored.`;
}

/** A delivery that had nothing left to do (a newer update will render the same state). */
/** What a delivery that decided to send nothing returns (the row is done, nothing to update later). */
export const NOTHING_SENT: SentMessage = { conversationId: '', activityId: '', serviceUrl: '' };

/**
 * Renders and sends the triage outbox kinds. Like the report's deliveries, every card is
 * rendered from the store at send time, so a retried or late message shows the current state.
 */
export async function deliverTriageMessage(deps: TriageDeliveryDeps, message: OutboxMessage): Promise<SentMessage> {
  const { tenantId, payload } = message;
  const concernId = typeof payload.concernId === 'string' ? payload.concernId : '';
  switch (message.kind) {
    case TRIAGE_OUTBOX_KINDS.updateCards: {
      // Several quick actions queue several updates; only the newest needs to reach Teams.
      if (await hasNewerPendingUpdate(deps.db, tenantId, concernId, message.kind, message.outboxId)) return NOTHING_SENT;
      const base = await loadBaseView(deps, tenantId, concernId);
      if (!base) throw new DeliveryError('concern not found', 404);
      const sent = await listSentDeliveries(deps.db, tenantId, concernId, UPDATABLE_KINDS);
      let first: SentMessage | undefined;
      for (const delivery of sent) {
        const personal = delivery.kind !== OUTBOX_KINDS.concernToChannel && delivery.kind !== TRIAGE_OUTBOX_KINDS.escalationRepost;
        // The DPO's and IT's copies are for information; they do not track triage.
        if (delivery.kind === OUTBOX_KINDS.concernToPerson && !(delivery.payload.view === 'full' && (delivery.payload.role === 'headteacher' || delivery.payload.role === 'chair'))) continue;
        if (delivery.kind === TRIAGE_OUTBOX_KINDS.escalationToPerson && delivery.payload.stage !== 'dsl') continue;
        try {
          // A personal copy is only kept up to date while its holder may still see the concern
          // (checked now, from the store): someone who has left the DSL team, a headteacher or
          // chair whose role has passed on, gets their copy replaced by a card that says so,
          // without the reference or the words the message was sent with.
          if (personal && !(await stillEntitled(deps.db, tenantId, base.concern, delivery.payload))) {
            // Replaced once: every later update would only send Teams the same card again.
            if (delivery.withdrawn) continue;
            await deps.gateway.updateMessage(delivery.sent, { card: buildConcernNoLongerAvailableCard(), summary: 'Concern not available' });
            await markDeliveryWithdrawn(deps.db, delivery.outboxId, true);
          } else {
            const refreshUserIds = personal ? await teamsIdsOf(deps.db, tenantId, [String(delivery.payload.aadObjectId)]) : base.refreshUserIds;
            const text = personalMessageText(delivery.kind, delivery.payload, base.concern.reference) ?? (delivery.possibleRepeat ? possibleRepeatText(base.concern.reference) : undefined);
            await updateConcernCard(
              (card) => deps.gateway.updateMessage(delivery.sent, { card, text, summary: `Concern ${base.concern.reference}` }),
              () => buildConcernBaseCard({ ...base, refreshUserIds }),
              () => buildConcernBaseCard({ ...base, refreshUserIds }, { shortened: true }),
              delivery.shortened,
            );
            // Given access back: the copy shows the concern again, and is kept up to date.
            if (delivery.withdrawn) await markDeliveryWithdrawn(deps.db, delivery.outboxId, false);
          }
        } catch (err) {
          // A message deleted in Teams (or a chat gone) cannot be updated, and never will be:
          // retrying would hold up every later post to the same conversation behind it.
          if (err instanceof DeliveryError && (err.status === 404 || err.status === 403)) continue;
          throw err;
        }
        first ??= delivery.sent;
      }
      return first ?? NOTHING_SENT;
    }
    case TRIAGE_OUTBOX_KINDS.reporterFeedback: {
      const reference = await deps.concerns.getReference(deps.db, tenantId, concernId);
      const base = await loadBaseView(deps, tenantId, concernId);
      if (!reference || !base) throw new DeliveryError('concern not found', 404);
      const status = payload.status === 'closed' ? 'closed' : 'acknowledged';
      return deps.gateway.sendToPerson(await personTarget(deps, tenantId, String(payload.aadObjectId)), {
        card: buildReporterFeedbackCard({ reference, status, recipient: base.concern.recipient }),
        summary: `Concern ${reference}: ${status}`,
      });
    }
    case TRIAGE_OUTBOX_KINDS.escalationRepost: {
      const channel = await getDslChannel(deps.db, tenantId);
      if (!channel) throw new DeliveryError('no DSL channel registered', 404);
      const base = await loadBaseView(deps, tenantId, concernId);
      if (!base) throw new DeliveryError('concern not found', 404);
      // Acknowledged (or closed) since the escalation fired: "not acknowledged" would be untrue.
      if (base.concern.status !== 'new') return NOTHING_SENT;
      const summary = `URGENT concern ${base.concern.reference} not acknowledged for ${Number(payload.minutes)} minutes`;
      return sendConcernCard((card) => deps.gateway.postToChannel(channel, { card, summary }), buildConcernBaseCard(base), () => buildConcernBaseCard(base, { shortened: true }));
    }
    case TRIAGE_OUTBOX_KINDS.escalationToPerson: {
      const base = await loadBaseView(deps, tenantId, concernId);
      if (!base) throw new DeliveryError('concern not found', 404);
      // Checked at send time, like access: a DSL who acknowledged it while the escalation was
      // queued (Teams slow or throttling) must not leave "not acknowledged, please acknowledge
      // now" in every DSL's chat and the headteacher's.
      if (base.concern.status !== 'new') return NOTHING_SENT;
      const minutes = Number(payload.minutes);
      if (payload.stage === 'headteacher') {
        // Whoever is the headteacher now (from the store): the role may have passed on while the
        // notice waited for Teams, and a former headteacher must not be told of a concern.
        const [headteacher] = await listRoleHolders(deps.db, tenantId, 'headteacher');
        if (!headteacher) {
          await alertAdmins(deps.db, tenantId, 'no-headteacher', noHeadteacherToEscalateTo(minutes), base.concern.reference);
          return NOTHING_SENT;
        }
        const dsls = await listDslMembers(deps.db, tenantId);
        const dslChannelMissing = !(await getDslChannel(deps.db, tenantId));
        return deps.gateway.sendToPerson(await personTarget(deps, tenantId, headteacher), {
          card: buildEscalationNoticeCard({ reference: base.concern.reference, category: base.concern.category, receivedAt: base.receivedAt, minutes, dslNames: dsls.map((d) => d.displayName), dslChannelMissing }),
          summary: `URGENT concern ${base.concern.reference} not acknowledged`,
        });
      }
      return sendPersonalCopy(deps, message, base, `URGENT concern ${base.concern.reference} not acknowledged`);
    }
    case TRIAGE_OUTBOX_KINDS.participantCopy: {
      const base = await loadBaseView(deps, tenantId, concernId);
      if (!base) throw new DeliveryError('concern not found', 404);
      return sendPersonalCopy(deps, message, base, `Concern ${base.concern.reference}`);
    }
    case TRIAGE_OUTBOX_KINDS.takenOverNotice: {
      const aadObjectId = String(payload.aadObjectId);
      const base = await loadBaseView(deps, tenantId, concernId);
      if (!base) throw new DeliveryError('concern not found', 404);
      // Access is checked again now: someone who has left the DSL team since is not told.
      if (!(await stillEntitled(deps.db, tenantId, base.concern, payload))) return NOTHING_SENT;
      const event = (await deps.concerns.listEvents(deps.db, tenantId, concernId)).find((e) => e.seq === Number(payload.seq));
      if (!event) throw new DeliveryError('chronology event not found', 404);
      return deps.gateway.sendToPerson(await personTarget(deps, tenantId, aadObjectId), {
        card: buildOwnershipTakenOverCard({
          concernId,
          reference: base.concern.reference,
          newOwnerName: event.actor.name,
          reason: typeof event.details.reason === 'string' ? event.details.reason : '',
          at: formatLocal(event.occurredAt, base.timeZone),
        }),
        summary: `Concern ${base.concern.reference} has a new owner`,
      });
    }
    case PATTERN_ALERT_KIND: {
      const channel = await getDslChannel(deps.db, tenantId);
      if (!channel) throw new DeliveryError('no DSL channel registered', 404);
      const concernIds = Array.isArray(payload.concernIds) ? payload.concernIds.map(String) : [];
      const references = await listReferences(deps.db, tenantId, concernIds);
      const pupilName = (await deps.concerns.pupilName(deps.db, tenantId, String(payload.pupilConcernId), Number(payload.pupilPosition))) ?? 'A pupil';
      return deps.gateway.postToChannel(channel, {
        card: buildPatternAlertCard({ pupilName, references, windowDays: Number(payload.windowDays) }),
        summary: `Pattern: ${references.length} concerns about one pupil`,
      });
    }
    case OWNER_LEFT_NOTICE_KIND: {
      const channel = await getDslChannel(deps.db, tenantId);
      if (!channel) throw new DeliveryError('no DSL channel registered', 404);
      // Checked now: concerns taken over or closed since, or an owner back in the team, need no notice.
      const aadObjectId = String(payload.aadObjectId);
      if ((await listDslMembers(deps.db, tenantId)).some((m) => m.aadObjectId === aadObjectId)) return NOTHING_SENT;
      const concernIds = Array.isArray(payload.concernIds) ? payload.concernIds.map(String) : [];
      const stillOwned = await listOpenConcernsOwnedBy(deps.db, tenantId, aadObjectId, concernIds);
      if (!stillOwned.length) return NOTHING_SENT;
      return deps.gateway.postToChannel(channel, {
        card: buildOwnerLeftDslTeamCard({ name: String(payload.name ?? 'A former DSL'), references: await listReferences(deps.db, tenantId, stillOwned) }),
        summary: `${stillOwned.length} open concern(s) owned by someone who has left the DSL team`,
      });
    }
    default:
      throw new DeliveryError(`unknown outbox kind ${message.kind}`, 400);
  }
}

/**
 * A concern's card sent to one person (an escalation to a DSL, a copy for someone given access),
 * checked again now: someone who has lost access since it was queued gets nothing.
 */
async function sendPersonalCopy(deps: TriageDeliveryDeps, message: OutboxMessage, base: NonNullable<Awaited<ReturnType<typeof loadBaseView>>>, summary: string): Promise<SentMessage> {
  const { tenantId, payload } = message;
  if (!(await stillEntitled(deps.db, tenantId, base.concern, payload))) return NOTHING_SENT;
  const aadObjectId = String(payload.aadObjectId);
  const view = { ...base, refreshUserIds: await teamsIdsOf(deps.db, tenantId, [aadObjectId]) };
  const target = await personTarget(deps, tenantId, aadObjectId);
  return sendConcernCard(
    (card) => deps.gateway.sendToPerson(target, { card, text: personalMessageText(message.kind, payload, base.concern.reference), summary }),
    buildConcernBaseCard(view),
    () => buildConcernBaseCard(view, { shortened: true }),
  );
}

/** Whether the person a personal message is for (its payload's `aadObjectId`) may still see the concern. */
async function stillEntitled(db: Db, tenantId: string, concern: Parameters<typeof checkTriageAccess>[2], payload: Record<string, unknown>): Promise<boolean> {
  const aadObjectId = typeof payload.aadObjectId === 'string' ? payload.aadObjectId : '';
  if (!aadObjectId) return false;
  return (await checkTriageAccess(db, tenantId, concern, { aadObjectId, name: '' })).allowed;
}

async function teamsIdsOf(db: Db, tenantId: string, aadObjectIds: string[]): Promise<string[]> {
  const dsls = await listDslMembers(db, tenantId);
  const ids: string[] = [];
  for (const aad of aadObjectIds) {
    const known = (await getPersonalConversation(db, tenantId, aad))?.teamsUserId ?? dsls.find((d) => d.aadObjectId === aad)?.teamsUserId;
    if (known) ids.push(known);
  }
  return ids;
}

