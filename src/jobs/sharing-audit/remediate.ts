import { classifyPermission } from '../../domain/sharing/classify-permission';
import type { PermissionExposure, Severity, SharingPermission } from '../../domain/sharing/types';
import type { Db } from '../../store/db';
import { deleteItemPermissions, insertItemPermissions } from '../../store/sharing-drives.repo';
import {
  getFinding,
  listFindingsByStatus,
  listOpenFindingsViaRoot,
  setFindingStatus,
  type StoredFinding,
} from '../../store/sharing-findings.repo';
import { insertRemediation, type RemediationOutcome } from '../../store/sharing-remediations.repo';
import { describeFailure } from './audit-context';
import { GraphCallFailed, type GraphFailureKind, type PermissionRemover, type PermissionSource } from './ports';

export interface RemediateOptions {
  db: Db;
  tenantId: string;
  /** One finding, or every open finding of a severity. */
  target: { findingId: string } | { severity: Severity };
  dryRun: boolean;
  /** Who asked (an admin on the CLI or a card): recorded with every action. */
  actor: { id: string; name: string };
  verifiedDomains: readonly string[];
  permissions: PermissionSource;
  remover: PermissionRemover;
  now?: () => Date;
}

export interface RemediationAction {
  findingIds: string[];
  driveId: string;
  /** The sharing root whose link is (or would be) removed. */
  itemId: string;
  permissionId: string;
  outcome: RemediationOutcome;
  detail: string | null;
  /** After the change, does the root still expose anything? null on a dry run or failure. */
  stillExposed: boolean | null;
  /** On a `failed` outcome, what kind of failure (the tab, card and CLI answer by it); else null. */
  failure: GraphFailureKind | null;
}

/** The kind of a failure thrown by the ports (anything that is not a GraphCallFailed is an `error`). */
function failureKindOf(err: unknown): GraphFailureKind {
  return err instanceof GraphCallFailed ? err.kind : 'error';
}

export interface RemediationResult {
  actions: RemediationAction[];
  /** Findings asked for but not acted on (unknown, or already remediated or resolved). */
  skipped: Array<{ findingId: string; reason: string }>;
}

/**
 * Removes the links that expose a finding: on its sharing root (`viaItemId`), every exposing
 * permission the root holds itself. It never deletes an inherited permission: those are
 * refused and reported (the link lives on an ancestor, which has its own finding). Each
 * action is recorded with who and when; after a real removal the root's permissions are
 * fetched again and the findings the root exposed are marked remediated if nothing exposes
 * it any more.
 */
export async function remediateFindings(options: RemediateOptions): Promise<RemediationResult> {
  const { db, tenantId } = options;
  const now = options.now ?? (() => new Date());
  const skipped: RemediationResult['skipped'] = [];
  let findings: StoredFinding[];
  if ('findingId' in options.target) {
    const finding = await getFinding(db, tenantId, options.target.findingId);
    if (!finding) skipped.push({ findingId: options.target.findingId, reason: 'no such finding' });
    else if (finding.status === 'remediated' || finding.status === 'resolved') skipped.push({ findingId: finding.id, reason: `already ${finding.status}` });
    findings = finding && (finding.status === 'open' || finding.status === 'accepted') ? [finding] : [];
  } else {
    findings = await listFindingsByStatus(db, tenantId, 'open', options.target.severity);
  }

  // Several findings can share one root (a shared folder and the files beneath it): act once.
  const byRoot = new Map<string, StoredFinding[]>();
  for (const f of findings) {
    const key = `${f.driveId}\u0000${f.exposure.viaItemId}`;
    byRoot.set(key, [...(byRoot.get(key) ?? []), f]);
  }

  const actions: RemediationAction[] = [];
  for (const group of byRoot.values()) {
    actions.push(...(await remediateRoot(options, group, now)));
  }
  return { actions, skipped };
}

function exposing(permissions: readonly SharingPermission[], options: RemediateOptions, now: Date): Array<{ permission: SharingPermission; exposure: PermissionExposure }> {
  return permissions.flatMap((permission) => {
    const exposure = classifyPermission(permission, { now, verifiedDomains: options.verifiedDomains });
    return exposure ? [{ permission, exposure }] : [];
  });
}

async function fetchPermissions(options: RemediateOptions, driveId: string, itemId: string): Promise<SharingPermission[] | null> {
  const [result] = await options.permissions.listPermissions(driveId, [itemId]);
  if (!result) throw new Error('no permissions result');
  if (result.status === 'failed') throw new GraphCallFailed(result.kind, result.httpStatus, result.error);
  return result.status === 'ok' ? result.permissions : null;
}

async function remediateRoot(options: RemediateOptions, group: StoredFinding[], now: () => Date): Promise<RemediationAction[]> {
  const { db, tenantId } = options;
  const { driveId } = group[0];
  const rootId = group[0].exposure.viaItemId;
  const findingIds = group.map((f) => f.id);
  const actions: RemediationAction[] = [];
  const exposures = new Map<RemediationAction, PermissionExposure | null>();
  const record = async (action: Omit<RemediationAction, 'findingIds' | 'driveId' | 'itemId' | 'failure'> & { failure?: GraphFailureKind }, exposure: PermissionExposure | null) => {
    const full = { findingIds, driveId, itemId: rootId, ...action, failure: action.failure ?? null };
    actions.push(full);
    exposures.set(full, exposure);
  };
  // The audit trail is written once the re-check has said whether the root is still exposed.
  const persist = async () => {
    for (const action of actions) {
      const exposure = exposures.get(action) ?? null;
      for (const findingId of findingIds) {
        await insertRemediation(
          db,
          tenantId,
          {
            findingId,
            driveId,
            itemId: rootId,
            permissionId: action.permissionId,
            scope: exposure?.scope ?? null,
            linkType: exposure?.linkType ?? null,
            dryRun: options.dryRun,
            outcome: action.outcome,
            detail: action.detail,
            actor: options.actor,
            stillExposed: action.stillExposed,
          },
          now(),
        );
      }
    }
    return actions;
  };

  let current: SharingPermission[] | null;
  try {
    current = await fetchPermissions(options, driveId, rootId);
  } catch (err) {
    await record({ permissionId: group[0].exposure.permissionId, outcome: 'failed', detail: describeFailure(err), stillExposed: null, failure: failureKindOf(err) }, null);
    return persist();
  }
  if (current === null) {
    await record({ permissionId: group[0].exposure.permissionId, outcome: 'not-found', detail: 'the item no longer exists', stillExposed: false }, null);
    // A dry run changes nothing, not even a finding's status.
    if (!options.dryRun) await markRemediated(options, driveId, rootId, now(), 'item no longer exists');
    return persist();
  }

  const targets = exposing(current, options, now());
  if (targets.length === 0) {
    await record({ permissionId: group[0].exposure.permissionId, outcome: 'not-found', detail: 'no exposing link on the sharing root any more', stillExposed: false }, null);
    if (!options.dryRun) await markRemediated(options, driveId, rootId, now(), 'link already gone');
    return persist();
  }

  for (const { permission, exposure } of targets) {
    if (exposure.inherited) {
      const from = exposure.inheritedFromItemId ? ` (inherited from item ${exposure.inheritedFromItemId})` : '';
      await record({ permissionId: permission.id, outcome: 'refused-inherited', detail: `inherited permission: remove it on the item it comes from${from}`, stillExposed: null }, exposure);
      continue;
    }
    if (options.dryRun) {
      await record({ permissionId: permission.id, outcome: 'would-remove', detail: exposure.reason, stillExposed: null }, exposure);
      continue;
    }
    try {
      const outcome = await options.remover.removePermission(driveId, rootId, permission.id);
      await record({ permissionId: permission.id, outcome: outcome === 'removed' ? 'removed' : 'not-found', detail: exposure.reason, stillExposed: null }, exposure);
    } catch (err) {
      await record({ permissionId: permission.id, outcome: 'failed', detail: describeFailure(err), stillExposed: null, failure: failureKindOf(err) }, exposure);
    }
  }
  if (options.dryRun) return persist();

  // Re-check: what does the root expose now? Store what Graph says, whatever the answer.
  let after: SharingPermission[] | null;
  try {
    after = await fetchPermissions(options, driveId, rootId);
  } catch {
    return persist();
  }
  const stillExposed = after !== null && exposing(after, options, now()).length > 0;
  await db.transaction(async (tx) => {
    await deleteItemPermissions(tx, tenantId, driveId, [rootId]);
    if (after) await insertItemPermissions(tx, tenantId, driveId, [{ itemId: rootId, permissions: after }]);
  });
  for (const action of actions) action.stillExposed = stillExposed;
  if (!stillExposed) await markRemediated(options, driveId, rootId, now(), 'sharing link removed');
  return persist();
}

async function markRemediated(options: RemediateOptions, driveId: string, rootId: string, at: Date, reason: string): Promise<void> {
  for (const finding of await listOpenFindingsViaRoot(options.db, options.tenantId, driveId, rootId)) {
    await setFindingStatus(options.db, options.tenantId, finding.id, { status: 'remediated', reason, byId: options.actor.id, byName: options.actor.name, at });
  }
}
