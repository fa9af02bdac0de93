import { classifyPermission } from '../../domain/sharing/classify-permission';
import { CONTENT_SAMPLE_BYTES, combineEvidence, contentEvidence, contentKindOf, nameEvidence } from '../../domain/sharing/evidence';
import { exposureRank, rootOwnExposure } from '../../domain/sharing/exposure';
import { buildFinding, descendantsReason, type Finding } from '../../domain/sharing/findings';
import type { EvidenceReason, Owner, PermissionExposure, PupilDataEvidence, SharedFacet } from '../../domain/sharing/types';
import {
  getItemPaths,
  listRootPermissions,
  purgeDeletedItems,
  saveContentEvidence,
  setDrivePhase,
  type DriveState,
} from '../../store/sharing-drives.repo';
import {
  computeItemExposures,
  countExposedBelow,
  countRootDescendants,
  deleteItemExposures,
  deleteRootExposures,
  insertRootExposures,
  listExposedItemsPage,
  listRootExposures,
  type ExposedItem,
  type RootExposureRow,
  type StoredRootExposure,
} from '../../store/sharing-exposure.repo';
import { upsertFindings } from '../../store/sharing-findings.repo';
import { type AuditContext, describeFailure, recordFailure } from './audit-context';
import { mapWithConcurrency } from '../map-with-concurrency';

/**
 * Exposure → evidence → findings for one drive, all from the stored tree:
 * 1. classify each sharing root's stored permissions (domain) and store its own exposure;
 * 2. the store walks down from exposed roots and keeps the best root per item;
 * 3. exposed items are read back page by page: name evidence for all, content evidence
 *    (first 64 KB, cached per content version) for exposed CSV/TXT/XLSX only;
 * 4. findings: likely pupil data beneath a root as it is met, then every exposed root.
 * Recomputed in full each run (cheap: no Graph calls), so it is safe to repeat on resume.
 */
export async function analyseDrive(context: AuditContext, drive: DriveState): Promise<void> {
  const { db, tenantId } = context;
  const driveId = drive.driveId;
  const now = context.now();

  await purgeDeletedItems(db, tenantId, driveId);
  const roots = await listRootPermissions(db, tenantId, driveId);
  const knownRootIds = new Set(roots.map((r) => r.itemId));
  const ownerOfRoot = new Map<string, Owner>();
  const rootRows: RootExposureRow[] = [];
  for (const root of roots) {
    const exposures = root.permissions
      .map((p) => classifyPermission(p, { now, verifiedDomains: context.verifiedDomains }))
      .filter((e): e is PermissionExposure => e !== null);
    const own = rootOwnExposure(exposures, knownRootIds, now);
    if (!own) continue;
    rootRows.push({ ...own, itemId: root.itemId, rank: exposureRank(own, now) });
    ownerOfRoot.set(root.itemId, ownerFrom(root.shared, drive.owner));
  }
  await db.transaction(async (tx) => {
    await deleteRootExposures(tx, tenantId, driveId);
    await insertRootExposures(tx, tenantId, driveId, rootRows);
    await deleteItemExposures(tx, tenantId, driveId);
    await computeItemExposures(tx, tenantId, driveId);
    await countRootDescendants(tx, tenantId, driveId);
  });
  const rootExposures = new Map((await listRootExposures(db, tenantId, driveId)).map((r) => [r.itemId, r]));

  const rootItems = new Map<string, { item: ExposedItem; evidence: PupilDataEvidence }>();
  const likelyBelowRoot = new Map<string, number>();
  let after = '';
  for (;;) {
    const page = await listExposedItemsPage(db, tenantId, driveId, after, context.analysisPageSize);
    if (page.length === 0) break;
    after = page[page.length - 1].itemId;
    const evidence = await gatherEvidence(context, driveId, page);
    const descendants: Array<{ item: ExposedItem; evidence: PupilDataEvidence }> = [];
    page.forEach((item, i) => {
      if (item.isRoot) rootItems.set(item.itemId, { item, evidence: evidence[i] });
      else if (evidence[i].likely) {
        descendants.push({ item, evidence: evidence[i] });
        likelyBelowRoot.set(item.viaItemId, (likelyBelowRoot.get(item.viaItemId) ?? 0) + 1);
      }
    });
    const findings = await buildDescendantFindings(context, drive, descendants, rootExposures, ownerOfRoot, now);
    await upsertFindings(db, tenantId, context.runId, now, findings);
    context.counters.itemsAnalysed += page.length;
    context.report('analyse', driveId);
  }

  const rootFindings: Finding[] = [];
  const paths = await getItemPaths(db, tenantId, driveId, [...rootItems.keys()]);
  for (const [rootId, { item, evidence: own }] of rootItems) {
    const exposure = rootExposures.get(rootId);
    if (!exposure) continue;
    const below = likelyBelowRoot.get(rootId) ?? 0;
    const evidence = below > 0 ? { likely: true, reasons: [...own.reasons, descendantsReason(below)] } : own;
    rootFindings.push(
      buildFinding(
        {
          tenantId,
          driveId,
          item: { id: rootId, name: item.name, path: paths.get(rootId) ?? `/${item.name}`, webUrl: item.webUrl, isFolder: item.isFolder },
          exposure: { ...exposure, viaItemId: rootId },
          exposedDescendants: exposure.exposedDescendants,
          evidence,
          owner: ownerOfRoot.get(rootId) ?? drive.owner,
        },
        now,
      ),
    );
  }
  await upsertFindings(db, tenantId, context.runId, now, rootFindings);
  await setDrivePhase(db, tenantId, driveId, 'done');
}

/** The sharer named on the root's `shared` facet, else the drive's owner. */
function ownerFrom(shared: SharedFacet | null, driveOwner: Owner): Owner {
  const user = shared?.owner?.user;
  if (!user || (!user.id && !user.email)) return driveOwner;
  return { id: user.id ?? null, displayName: user.displayName ?? null, email: user.email ?? null };
}

async function gatherEvidence(context: AuditContext, driveId: string, page: readonly ExposedItem[]): Promise<PupilDataEvidence[]> {
  const cache: Array<{ itemId: string; version: string | null; reasons: EvidenceReason[] }> = [];
  const evidence = await mapWithConcurrency(page, context.contentConcurrency, async (item) => {
    const fromName = nameEvidence(item, context.roster);
    const kind = item.isFolder ? null : contentKindOf(item.name, item.mimeType);
    if (!kind) return combineEvidence(fromName);
    if (item.contentEvidence) return combineEvidence(fromName, item.contentEvidence);
    if (context.contentEvidence === 'when-needed' && fromName.length > 0) return combineEvidence(fromName);
    try {
      const bytes = await context.content.readFirstBytes(driveId, item.itemId, CONTENT_SAMPLE_BYTES);
      if (bytes === null) return combineEvidence(fromName);
      context.counters.contentRead += 1;
      const reasons = contentEvidence(kind, bytes);
      cache.push({ itemId: item.itemId, version: item.contentVersion, reasons });
      return combineEvidence(fromName, reasons);
    } catch (err) {
      recordFailure(context, { driveId, itemId: item.itemId, step: 'content', error: describeFailure(err) });
      return combineEvidence(fromName, [{ kind: 'content-not-inspected', reason: 'Content could not be read this run' }]);
    }
  });
  await saveContentEvidence(context.db, context.tenantId, driveId, cache);
  return evidence;
}

async function buildDescendantFindings(
  context: AuditContext,
  drive: DriveState,
  descendants: ReadonlyArray<{ item: ExposedItem; evidence: PupilDataEvidence }>,
  rootExposures: ReadonlyMap<string, StoredRootExposure>,
  ownerOfRoot: ReadonlyMap<string, Owner>,
  now: Date,
): Promise<Finding[]> {
  if (descendants.length === 0) return [];
  const { db, tenantId } = context;
  const paths = await getItemPaths(db, tenantId, drive.driveId, descendants.map((d) => d.item.itemId));
  const findings: Finding[] = [];
  for (const { item, evidence } of descendants) {
    const exposure = rootExposures.get(item.viaItemId);
    if (!exposure) continue;
    const below = item.isFolder ? await countExposedBelow(db, tenantId, drive.driveId, item.itemId) : 0;
    findings.push(
      buildFinding(
        {
          tenantId,
          driveId: drive.driveId,
          item: { id: item.itemId, name: item.name, path: paths.get(item.itemId) ?? `/${item.name}`, webUrl: item.webUrl, isFolder: item.isFolder },
          exposure: { ...exposure, viaItemId: item.viaItemId },
          exposedDescendants: below,
          evidence,
          owner: ownerOfRoot.get(item.viaItemId) ?? drive.owner,
        },
        now,
      ),
    );
  }
  return findings;
}
