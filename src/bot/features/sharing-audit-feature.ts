import { z } from 'zod';
import type { BotFeature, InvokeRequest } from '../bot-feature';
import type { AdaptiveCard } from '../../cards/card-kit';
import { buildAuditNoticeCard, buildAuditSummaryCard, buildOwnerDigestCard, type CardMessage, SHARING_AUDIT_VERBS } from '../../cards/sharing-audit-cards';
import type { Config } from '../../config';
import { loadAuditSummaryView, loadOwnerDigestView } from '../../jobs/sharing-audit/notice-views';
import { applyOwnerAnswer } from '../../jobs/sharing-audit/owner-notifications';
import { remediateFindings } from '../../jobs/sharing-audit/remediate';
import { describeGraphError, describeRemediation } from '../../jobs/sharing-audit/describe-remediation';
import { graphFailureKind } from '../../graph/graph-errors';
import { describeError, type Logger } from '../../logging';
import type { SharingAuditConnection } from '../../services/sharing-audit-connection';
import { notifyOwners } from '../../services/sharing-audit-notices';
import type { Db } from '../../store/db';
import { hasRole } from '../../store/tenant.repo';

/**
 * The sharing audit's card actions (verbs `audit.*`). Identity is the validated Teams user
 * (`request.person`), never card data: admins (role from the store) may remove a link and
 * notify owners; an owner may answer only for the files in their own digest.
 */
export interface SharingAuditFeatureDeps {
  db: Db;
  config: Config;
  logger: Logger;
  now: () => Date;
  onOutboxChanged: () => void;
  /** The Graph connection, opened on first use (shared with the tab; the app closes it). */
  graph: () => SharingAuditConnection;
}

const Id = z.string().min(1).max(200).regex(/^[\w:.!-]+$/);
const RunData = z.object({ runId: Id });
const RemoveLinkData = z.object({ runId: Id, findingId: Id });
const OwnerData = z.object({ notificationId: Id, findingId: Id });
const KeepData = OwnerData.extend({ reasonInput: z.string().regex(/^reason_\d{1,3}$/) });

const REFUSED_NOT_ADMIN = buildAuditNoticeCard('Only Jigsaw admins can do this', 'Removing links and notifying owners are admin actions. Nothing was changed.');
const CARD_UNREADABLE = buildAuditNoticeCard('That card could not be read', 'Nothing was changed. Run the audit again for a fresh card.');

export function createSharingAuditFeature(deps: SharingAuditFeatureDeps): BotFeature {
  const remediationEnabled = deps.config.remediation.enabled;
  const graph = deps.graph;

  const summaryCard = async (request: InvokeRequest, runId: string, extra: { ownersNotified?: { owners: number; findings: number; withoutOwner: number }; message?: CardMessage }) => {
    const view = await loadAuditSummaryView(deps.db, request.tenant.tenantId, runId, { remediationEnabled, ...extra });
    return view ? buildAuditSummaryCard(view) : buildAuditNoticeCard('That audit is not known', 'It may belong to another school. Nothing was changed.');
  };
  const digestCard = async (request: InvokeRequest, notificationId: string, message: CardMessage | null) => {
    const view = await loadOwnerDigestView(deps.db, request.tenant.tenantId, notificationId, { remediationEnabled, ownerId: request.person.aadObjectId, message });
    return view ? buildOwnerDigestCard(view) : buildAuditNoticeCard('These files are not yours to answer for', 'Only the person the message was sent to can answer. Nothing was changed.');
  };

  async function removeLink(request: InvokeRequest): Promise<AdaptiveCard> {
    const data = RemoveLinkData.safeParse(request.data);
    if (!data.success) return CARD_UNREADABLE;
    if (!(await hasRole(deps.db, request.tenant.tenantId, 'admin', request.person.aadObjectId))) return REFUSED_NOT_ADMIN;
    if (!remediationEnabled) {
      return summaryCard(request, data.data.runId, { message: { title: 'Remediation is off', body: 'Jigsaw can only remove links when IT enables remediation (REMEDIATION_ENABLED). Nothing was changed.', style: 'warning' } });
    }
    // Someone is waiting on the card: the short retry policy, not the audit's patient one.
    const g = graph().interactive;
    const result = await remediateFindings({
      db: deps.db,
      tenantId: request.tenant.tenantId,
      target: { findingId: data.data.findingId },
      dryRun: false,
      actor: { id: request.person.aadObjectId, name: request.person.name },
      verifiedDomains: await g.verifiedDomains(),
      permissions: g.audit,
      remover: g.remover!,
      now: deps.now,
    });
    deps.logger.info({ tenantId: request.tenant.tenantId, findingId: data.data.findingId, outcomes: result.actions.map((a) => a.outcome) }, 'sharing audit: link removal from a card');
    return summaryCard(request, data.data.runId, { message: describeRemediation(result) });
  }

  async function notify(request: InvokeRequest): Promise<AdaptiveCard> {
    const data = RunData.safeParse(request.data);
    if (!data.success) return CARD_UNREADABLE;
    if (!(await hasRole(deps.db, request.tenant.tenantId, 'admin', request.person.aadObjectId))) return REFUSED_NOT_ADMIN;
    const result = await notifyOwners(deps.db, request.tenant.tenantId, data.data.runId, { remediationEnabled, now: deps.now });
    deps.onOutboxChanged();
    deps.logger.info({ tenantId: request.tenant.tenantId, runId: data.data.runId, ...result }, 'sharing audit: owners notified');
    return summaryCard(request, data.data.runId, { ownersNotified: result });
  }

  async function ownerAnswer(request: InvokeRequest, answer: 'remove' | 'keep'): Promise<AdaptiveCard> {
    const data = (answer === 'keep' ? KeepData : OwnerData).safeParse(request.data);
    if (!data.success) return CARD_UNREADABLE;
    const { notificationId, findingId } = data.data;
    if (answer === 'remove' && !remediationEnabled) {
      return digestCard(request, notificationId, { title: 'Jigsaw cannot remove links here', body: 'Open the file in OneDrive → Share → Manage access and remove the link yourself; the next audit will see it gone.', style: 'warning' });
    }
    const reasonInput = 'reasonInput' in data.data ? (data.data.reasonInput as string) : null;
    const rawReason = reasonInput ? request.data[reasonInput] : null;
    const reason = typeof rawReason === 'string' ? rawReason.slice(0, 500) : null;
    const g = answer === 'remove' ? graph().interactive : null;
    const outcome = await applyOwnerAnswer({
      db: deps.db,
      tenantId: request.tenant.tenantId,
      notificationId,
      findingId,
      answer,
      reason,
      owner: { id: request.person.aadObjectId, name: request.person.name },
      verifiedDomains: g ? await g.verifiedDomains() : [],
      // A keep never reaches Graph; a remove goes through the remediation app.
      permissions: g?.audit ?? { listPermissions: () => Promise.reject(new Error('not used')) },
      remover: g?.remover ?? { removePermission: () => Promise.reject(new Error('remediation is disabled')) },
      now: deps.now,
    });
    deps.logger.info({ tenantId: request.tenant.tenantId, notificationId, findingId, answer, status: outcome.status }, 'sharing audit: owner answered');
    if (outcome.status === 'refused') {
      if (outcome.reason === 'not-the-owner') return buildAuditNoticeCard('These files are not yours to answer for', 'Only the person the message was sent to can answer. Nothing was changed.');
      if (outcome.reason === 'no-longer-exposed') return digestCard(request, notificationId, { title: 'Nothing to keep', body: 'This link has already been removed, or the file is no longer shared this way. Nothing was changed.', style: 'good' });
      return digestCard(request, notificationId, { title: 'Say why the link should stay', body: 'A reason is needed to keep a link. Nothing was changed.', style: 'attention' });
    }
    if (outcome.status === 'kept') return digestCard(request, notificationId, { title: 'Kept', body: 'Your reason is recorded. Thank you.', style: 'good' });
    return digestCard(request, notificationId, describeRemediation(outcome.result));
  }

  return {
    name: 'sharing-audit',
    verbPrefixes: ['audit.'],
    async handleInvoke(request) {
      try {
        switch (request.verb) {
          case SHARING_AUDIT_VERBS.removeLink:
            return await removeLink(request);
          case SHARING_AUDIT_VERBS.notifyOwners:
            return await notify(request);
          case SHARING_AUDIT_VERBS.ownerRemove:
            return await ownerAnswer(request, 'remove');
          case SHARING_AUDIT_VERBS.ownerKeep:
            return await ownerAnswer(request, 'keep');
          default:
            return buildAuditNoticeCard('This action is not available', 'Nothing was changed.');
        }
      } catch (err) {
        // "Try again" only when Microsoft 365 could not be reached; a refusal names what IT must fix.
        const kind = graphFailureKind(err);
        deps.logger.error({ tenantId: request.tenant.tenantId, verb: request.verb, failure: kind, ...describeError(err) }, 'sharing audit card action failed');
        const message = describeGraphError(err, kind);
        return buildAuditNoticeCard(message.title, message.body);
      }
    },
  };
}
