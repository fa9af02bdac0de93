import { createHash } from 'node:crypto';
import type { Owner, Severity } from '../domain/sharing/types';
import { prepareOwnerNotifications } from '../jobs/sharing-audit/owner-notifications';
import type { Db } from '../store/db';
import { enqueueOutbox, enqueueOutboxMany, type NewOutboxMessage } from '../store/outbox.repo';
import { listRoleHolders } from '../store/tenant.repo';

/**
 * The sharing audit's Teams messages, queued in the outbox and rendered at send time from the
 * store (src/jobs/sharing-audit/notice-views.ts): the payload carries ids only, never a file
 * name, so the outbox holds no pupil data.
 */
export const SHARING_AUDIT_OUTBOX_KINDS = {
  /** To each admin personally after a run: counts by severity, the top critical findings. */
  summary: 'sharing-audit.summary',
  /** To a file owner: their exposed files, with "Remove link" and "Keep (reason)". */
  ownerDigest: 'sharing-audit.owner-digest',
} as const;

/** Queues the run's summary card to every admin (once per run and admin). Returns how many. */
export async function queueAuditSummaryToAdmins(db: Db, tenantId: string, runId: string, options: { remediationEnabled: boolean }): Promise<number> {
  const admins = await listRoleHolders(db, tenantId, 'admin');
  for (const admin of admins) {
    await enqueueOutbox(db, {
      tenantId,
      idempotencyKey: `sharing-audit:summary:${runId}:${admin}`,
      kind: SHARING_AUDIT_OUTBOX_KINDS.summary,
      targetKey: `user:${admin}`,
      payload: { runId, aadObjectId: admin, remediationEnabled: options.remediationEnabled },
      bulk: true,
    });
  }
  return admins.length;
}

export interface NotifyOwnersResult {
  /** Owners a digest was queued to. */
  owners: number;
  /** Findings listed across those digests. */
  findings: number;
  /** Findings whose owner has no Entra id (a site library without an owner, or no owner on record): nobody to tell. */
  withoutOwner: number;
}

/**
 * "Notify owners": one digest per owner of open findings, each queued to the owner's chat.
 * Notification ids derive from the run and the owner, so pressing the button twice sends
 * nothing twice.
 */
export async function notifyOwners(
  db: Db,
  tenantId: string,
  runId: string,
  options: { remediationEnabled: boolean; severities?: readonly Severity[]; now?: () => Date },
): Promise<NotifyOwnersResult> {
  const ownerKey = (owner: Owner) => owner.id ?? owner.email ?? '';
  const idFor = (owner: Owner) => `n-${createHash('sha256').update(`${tenantId}\u0000${runId}\u0000${ownerKey(owner)}`).digest('hex').slice(0, 24)}`;
  const { digests, unattributed } = await prepareOwnerNotifications({ db, tenantId, severities: options.severities, now: options.now, newId: idFor });
  const result: NotifyOwnersResult = { owners: 0, findings: 0, withoutOwner: unattributed };
  const messages: NewOutboxMessage[] = [];
  for (const digest of digests) {
    if (!digest.owner.id) {
      result.withoutOwner += digest.findings.length;
      continue;
    }
    messages.push({
      tenantId,
      idempotencyKey: `sharing-audit:owner:${digest.notificationId}`,
      kind: SHARING_AUDIT_OUTBOX_KINDS.ownerDigest,
      targetKey: `user:${digest.owner.id}`,
      payload: { notificationId: digest.notificationId, aadObjectId: digest.owner.id, remediationEnabled: options.remediationEnabled },
      bulk: true,
    });
    result.owners += 1;
    result.findings += digest.findings.length;
  }
  await enqueueOutboxMany(db, tenantId, messages);
  return result;
}
