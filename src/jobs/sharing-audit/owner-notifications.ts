import { randomUUID } from 'node:crypto';
import { groupFindingsByOwner } from '../../domain/sharing/findings';
import type { Owner, Severity } from '../../domain/sharing/types';
import type { Db } from '../../store/db';
import { type FindingOwnerRef, getFinding, listOpenFindingOwners, setFindingStatus } from '../../store/sharing-findings.repo';
import { listNotificationFindings, recordOwnerNotifications, recordOwnerResponse } from '../../store/sharing-remediations.repo';
import type { PermissionRemover, PermissionSource } from './ports';
import { remediateFindings, type RemediationResult } from './remediate';

/**
 * "Notify owners": each owner gets one digest of their exposed files (the card, with
 * "Remove link" and "Keep (reason)" per file, is built in src/cards and sent through the
 * outbox). Their answers are recorded and acted on here.
 */

export interface OwnerDigestToSend {
  notificationId: string;
  owner: Owner;
  findings: FindingOwnerRef[];
}

export interface OwnerNotifications {
  digests: OwnerDigestToSend[];
  /** Open findings with no owner to tell (neither an Entra id nor an email on record). */
  unattributed: number;
}

/**
 * Groups the open findings by owner and records each owner's digest. Reads ids and owners only
 * and writes in a few statements, whatever the number of owners: a trust's "Notify owners"
 * covers tens of thousands of findings, and on the embedded store every statement holds up the
 * bot while it runs.
 */
export async function prepareOwnerNotifications(options: {
  db: Db;
  tenantId: string;
  /** Only these severities (default: all open findings). */
  severities?: readonly Severity[];
  now?: () => Date;
  /** The digest's id; given the owner, so a caller can make it deterministic (idempotent re-sends). */
  newId?: (owner: Owner) => string;
}): Promise<OwnerNotifications> {
  const { db, tenantId } = options;
  const now = options.now ?? (() => new Date());
  const open = await listOpenFindingOwners(db, tenantId, options.severities ?? null);
  const grouped = groupFindingsByOwner(open);
  const digests = grouped.digests.map((digest) => ({ notificationId: options.newId?.(digest.owner) ?? randomUUID(), owner: digest.owner, findings: digest.findings }));
  const rows = digests.flatMap((d) => d.findings.map((f) => ({ notificationId: d.notificationId, findingId: f.id, owner: { id: d.owner.id, email: d.owner.email } })));
  await recordOwnerNotifications(db, tenantId, rows, now());
  return { digests, unattributed: grouped.unattributed.length };
}

export type OwnerAnswerOutcome =
  | { status: 'refused'; reason: 'not-the-owner' | 'reason-required' | 'no-longer-exposed' }
  | { status: 'kept' }
  | { status: 'remediation'; result: RemediationResult };

/**
 * An owner pressed "Keep (reason)" or "Remove link". Only the notified owner may answer (the
 * caller passes the id from the validated Teams identity, never from card data). Keep
 * accepts the finding with the owner's reason; Remove runs remediation as the owner.
 */
export async function applyOwnerAnswer(options: {
  db: Db;
  tenantId: string;
  notificationId: string;
  findingId: string;
  answer: 'remove' | 'keep';
  reason: string | null;
  owner: { id: string; name: string };
  verifiedDomains: readonly string[];
  permissions: PermissionSource;
  remover: PermissionRemover;
  now?: () => Date;
}): Promise<OwnerAnswerOutcome> {
  const { db, tenantId } = options;
  const now = options.now ?? (() => new Date());
  const reason = options.reason?.trim() || null;
  if (options.answer === 'keep' && !reason) return { status: 'refused', reason: 'reason-required' };
  if (options.answer === 'keep') {
    // A card pressed after the link was removed (by an admin, or by the owner elsewhere) keeps
    // nothing: the finding stays remediated or resolved, and the answer is not recorded.
    const finding = await getFinding(db, tenantId, options.findingId);
    if (finding && (finding.status === 'remediated' || finding.status === 'resolved')) {
      const rows = await listNotificationFindings(db, tenantId, options.notificationId);
      const theirs = rows.some((r) => r.findingId === options.findingId && r.ownerId === options.owner.id);
      return { status: 'refused', reason: theirs ? 'no-longer-exposed' : 'not-the-owner' };
    }
  }
  const recorded = await recordOwnerResponse(db, tenantId, options.notificationId, options.findingId, {
    response: options.answer,
    reason,
    byId: options.owner.id,
    at: now(),
  });
  if (!recorded) return { status: 'refused', reason: 'not-the-owner' };
  if (options.answer === 'keep') {
    await setFindingStatus(db, tenantId, options.findingId, { status: 'accepted', reason, byId: options.owner.id, byName: options.owner.name, at: now() });
    return { status: 'kept' };
  }
  const result = await remediateFindings({
    db,
    tenantId,
    target: { findingId: options.findingId },
    dryRun: false,
    actor: options.owner,
    verifiedDomains: options.verifiedDomains,
    permissions: options.permissions,
    remover: options.remover,
    now,
  });
  return { status: 'remediation', result };
}
