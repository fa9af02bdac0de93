import { buildAuditSummaryCard, buildOwnerDigestCard } from '../../cards/sharing-audit-cards';
import { SHARING_AUDIT_OUTBOX_KINDS } from '../../services/sharing-audit-notices';
import type { Db } from '../../store/db';
import type { OutboxMessage } from '../../store/outbox.repo';
import { DeliveryError, type OutgoingMessage } from '../teams-gateway';
import { loadAuditSummaryView, loadOwnerDigestView } from './notice-views';

/** Renders a sharing-audit outbox message at send time. The preview text carries counts only. */
export async function renderSharingAuditNotice(db: Db, message: OutboxMessage): Promise<OutgoingMessage> {
  const { tenantId, payload } = message;
  const remediationEnabled = payload.remediationEnabled === true;
  if (message.kind === SHARING_AUDIT_OUTBOX_KINDS.summary) {
    const view = await loadAuditSummaryView(db, tenantId, String(payload.runId), { remediationEnabled });
    if (!view) throw new DeliveryError('audit run not found', 404);
    const total = view.bySeverity.critical + view.bySeverity.high + view.bySeverity.medium + view.bySeverity.low;
    return { card: buildAuditSummaryCard(view), summary: `Sharing audit: ${total} finding(s), ${view.bySeverity.critical} critical` };
  }
  if (message.kind === SHARING_AUDIT_OUTBOX_KINDS.ownerDigest) {
    const view = await loadOwnerDigestView(db, tenantId, String(payload.notificationId), { remediationEnabled });
    if (!view) throw new DeliveryError('owner notification not found', 404);
    return { card: buildOwnerDigestCard(view), summary: `Jigsaw: ${view.files.length + view.more} file(s) you share need a look` };
  }
  throw new DeliveryError(`not a sharing audit message: ${message.kind}`, 400);
}
