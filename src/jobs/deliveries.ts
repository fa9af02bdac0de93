import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import { getDslChannel, listDslMembers } from '../store/conversation.repo';
import { getOutboxByKey, type OutboxMessage } from '../store/outbox.repo';
import { getAdminAlert } from '../store/alert.repo';
import { getTenant } from '../store/tenant.repo';
import { getTriageRow } from '../store/triage.repo';
import { buildConcernCard } from '../cards/concern-card';
import { buildAdminAlertCard, buildNotYetDeliveredCard, notYetDeliveredHeading } from '../cards/admin-alert-card';
import { RECIPIENT_ROLES } from '../domain/concerns/concern';
import { formatLocal, formatOccurred } from '../domain/clock';
import { personTarget } from './person-target';
import { OUTBOX_KINDS } from '../services/report-concern';
import { ADMIN_ALERT_KIND } from '../services/admin-alerts';
import { SHARING_AUDIT_OUTBOX_KINDS } from '../services/sharing-audit-notices';
import { renderSharingAuditNotice } from './sharing-audit/render-notice';
import { DeliveryError, type SentMessage, type TeamsGateway } from './teams-gateway';
import { type DeliveredMessage, sendConcernCard } from './concern-card-delivery';
import { teamsMention } from './teams-text';
import { deliverTriageMessage, NOTHING_SENT, possibleRepeatText, TRIAGE_DELIVERY_KINDS } from './triage-deliveries';
import { buildConcernBaseCard } from '../cards/triage-card';
import { loadBaseView, refreshUserIdsFor } from '../services/concern-views';

export interface DeliveryDeps {
  db: Db;
  concerns: ConcernRepository;
  gateway: TeamsGateway;
  /** Used to open a 1:1 chat with someone who has never messaged the bot. */
  defaultServiceUrl: string;
  botId: string;
}

/**
 * Renders an outbox message from the store as it is now and sends it. Rendering at send time
 * keeps narrative out of the outbox and means a retried card shows the current state.
 */
export async function deliverOutboxMessage(deps: DeliveryDeps, message: OutboxMessage): Promise<DeliveredMessage> {
  const { tenantId, payload } = message;
  switch (message.kind) {
    case OUTBOX_KINDS.concernToChannel: {
      const channel = await getDslChannel(deps.db, tenantId);
      if (!channel) throw new DeliveryError('no DSL channel registered', 404);
      // The shared card carries the triage state and refreshes into each DSL's own view (triage).
      const base = await loadBaseView(deps, tenantId, String(payload.concernId));
      if (!base) throw new DeliveryError('concern not found', 404);
      const text = message.reclaimed ? possibleRepeatText(base.concern.reference) : undefined;
      return sendConcernCard(
        (card) => deps.gateway.postToChannel(channel, { card, text, summary: `New concern ${base.concern.reference}` }),
        buildConcernBaseCard(base),
        () => buildConcernBaseCard(base, { shortened: true }),
      );
    }
    case OUTBOX_KINDS.urgentMention: {
      // Acknowledged (or closed) before the @mention went out: nobody needs asking to acknowledge
      // it (and an escalation re-post skipped for that reason has nothing to reply under).
      const row = await getTriageRow(deps.db, tenantId, String(payload.concernId));
      if (row && row.state.status !== 'new') return NOTHING_SENT;
      const post = await getOutboxByKey(deps.db, tenantId, String(payload.postKey));
      if (post?.status !== 'sent' || !post.result) throw new DeliveryError('the concern card has not been posted yet', 409);
      const reference = (await deps.concerns.getReference(deps.db, tenantId, String(payload.concernId))) ?? '';
      const dsls = await listDslMembers(deps.db, tenantId);
      // Display names come from Teams' roster: escaped, with entities matching the text (teams-text.ts).
      const mentions = dsls.map((d) => teamsMention(d.teamsUserId, d.displayName));
      return deps.gateway.replyInThread(post.result as unknown as SentMessage, {
        text: `URGENT concern ${reference}: ${mentions.map((m) => m.text).join(' ')} please acknowledge now.`,
        mentions: mentions.map((m) => m.entity),
        summary: `URGENT concern ${reference}`,
      });
    }
    case OUTBOX_KINDS.concernToPerson: {
      const concern = await loadConcern(deps, tenantId, String(payload.concernId));
      const tz = await timeZone(deps.db, tenantId);
      const view = payload.view === 'notice' ? 'notice' : 'full';
      // The recipient of a concern about an adult triages it from this card (triage).
      const triaged = view === 'full' && (payload.role === 'headteacher' || payload.role === 'chair') ? await loadBaseView(deps, tenantId, concern.concernId) : undefined;
      const refreshUserIds = triaged ? await refreshUserIdsFor(deps.db, concern) : [];
      // The DPO cannot open the concern in the tab: a shortened copy sends them to the DSL team.
      const render = (shortened: boolean) =>
        triaged
          ? buildConcernBaseCard({ ...triaged, refreshUserIds }, { shortened })
          : buildConcernCard({ concern, view, receivedAt: formatLocal(concern.createdAt, tz), occurredAt: formatOccurred(concern.occurredOn, concern.occurredTime), shortened: shortened ? 'dsl-team' : undefined });
      const text = message.reclaimed ? possibleRepeatText(concern.reference) : undefined;
      const target = await personTarget(deps, tenantId, String(payload.aadObjectId));
      return sendConcernCard((card) => deps.gateway.sendToPerson(target, { card, text, summary: `Concern ${concern.reference}` }), render(false), () => render(true));
    }
    case OUTBOX_KINDS.reporterNotDelivered: {
      const reference = String(payload.reference);
      // Worded for the concern's own recipient (a row queued before it was named: neutrally).
      const recipient = RECIPIENT_ROLES.find((r) => r === payload.recipient);
      return deps.gateway.sendToPerson(await personTarget(deps, tenantId, String(payload.aadObjectId)), {
        card: buildNotYetDeliveredCard(reference, recipient),
        summary: notYetDeliveredHeading(recipient).replace(/^Your concern/, `Concern ${reference}`),
      });
    }
    case ADMIN_ALERT_KIND: {
      const alert = await getAdminAlert(deps.db, tenantId, Number(payload.alertId));
      if (!alert) throw new DeliveryError('alert not found', 404);
      return deps.gateway.sendToPerson(await personTarget(deps, tenantId, String(payload.aadObjectId)), {
        card: buildAdminAlertCard({ title: alertTitle(alert.kind), message: alert.message, reference: alert.subjectRef }),
        summary: 'Jigsaw needs attention',
      });
    }
    case SHARING_AUDIT_OUTBOX_KINDS.summary:
    case SHARING_AUDIT_OUTBOX_KINDS.ownerDigest:
      return deps.gateway.sendToPerson(await personTarget(deps, tenantId, String(payload.aadObjectId)), await renderSharingAuditNotice(deps.db, message));
    default:
      if (TRIAGE_DELIVERY_KINDS.has(message.kind)) return deliverTriageMessage(deps, message);
      throw new DeliveryError(`unknown outbox kind ${message.kind}`, 400);
  }
}

async function loadConcern(deps: DeliveryDeps, tenantId: string, concernId: string) {
  const concern = await deps.concerns.get(deps.db, tenantId, concernId);
  if (!concern) throw new DeliveryError('concern not found', 404);
  return concern;
}

async function timeZone(db: Db, tenantId: string): Promise<string> {
  return (await getTenant(db, tenantId))?.timeZone ?? 'Europe/London';
}

function alertTitle(kind: string): string {
  switch (kind) {
    case 'delivery-failing':
      return 'A concern has not reached its recipient';
    case 'no-dsl-channel':
      return 'The DSL channel is not set up';
    case 'no-chair':
    case 'no-headteacher-or-chair':
      return 'Nobody is configured to receive concerns about adults';
    default:
      return 'Configuration needed';
  }
}
