import { createHash } from 'node:crypto';
import { assessSeverity, severityRank } from './severity';
import type { EvidenceReason, ExposureScope, ItemExposure, Owner, PermissionExposure, PupilDataEvidence, Severity } from './types';

/**
 * Findings: one for every exposed sharing root, and one for every exposed item beneath a
 * root that is likely pupil data. A root's finding shows its own link (the one remediation
 * removes) and how many items that link reaches; a descendant's finding shows the winning
 * exposure and names the root it comes through (`viaItemId`).
 */

export interface FindingExposure {
  scope: ExposureScope;
  linkType: string;
  permissionId: string;
  viaItemId: string;
  expiresAt: string | null;
  hasPassword: boolean;
}

export interface Finding {
  id: string;
  driveId: string;
  itemId: string;
  name: string;
  path: string;
  webUrl: string | null;
  isFolder: boolean;
  exposure: FindingExposure;
  exposedDescendants: number;
  pupilData: PupilDataEvidence;
  severity: Severity;
  owner: Owner;
  /** Words for the admin: why the item is exposed. */
  exposureReason: string;
}

/** Stable across runs, so a finding keeps its id (and status) while the exposure lasts. */
export function findingIdFor(tenantId: string, driveId: string, itemId: string): string {
  return `f-${createHash('sha256').update(`${tenantId}\u0000${driveId}\u0000${itemId}`).digest('hex').slice(0, 24)}`;
}

/** A root's evidence also rests on the likely pupil data its link exposes beneath it. */
export function descendantsReason(likelyDescendants: number): EvidenceReason {
  return {
    kind: 'descendants',
    reason: `${likelyDescendants} exposed item${likelyDescendants === 1 ? '' : 's'} inside ${likelyDescendants === 1 ? 'is' : 'are'} likely pupil data`,
  };
}

export interface FindingItem {
  id: string;
  name: string;
  path: string;
  webUrl: string | null;
  isFolder: boolean;
}

export interface BuildFindingInput {
  tenantId: string;
  driveId: string;
  item: FindingItem;
  /** The root's own exposure (viaItemId = the item) or the winning inherited one. */
  exposure: PermissionExposure & { viaItemId: string };
  exposedDescendants: number;
  evidence: PupilDataEvidence;
  owner: Owner;
}

export function buildFinding(input: BuildFindingInput, now: Date): Finding {
  const { exposure } = input;
  return {
    id: findingIdFor(input.tenantId, input.driveId, input.item.id),
    driveId: input.driveId,
    itemId: input.item.id,
    name: input.item.name,
    path: input.item.path,
    webUrl: input.item.webUrl,
    isFolder: input.item.isFolder,
    exposure: {
      scope: exposure.scope,
      linkType: exposure.linkType,
      permissionId: exposure.permissionId,
      viaItemId: exposure.viaItemId,
      expiresAt: exposure.expiresAt,
      hasPassword: exposure.hasPassword,
    },
    exposedDescendants: input.exposedDescendants,
    pupilData: input.evidence,
    severity: assessSeverity({ ...exposure, pupilDataLikely: input.evidence.likely }, now),
    owner: input.owner,
    exposureReason: exposure.reason,
  };
}

export interface BuildFindingsInput {
  tenantId: string;
  driveId: string;
  items: ReadonlyMap<string, FindingItem & { parentId: string | null }>;
  /** Each sharing root's own exposure. */
  rootExposures: ReadonlyMap<string, PermissionExposure>;
  /** The winning exposure of every exposed item (from `computeExposures`). */
  exposures: ReadonlyMap<string, ItemExposure>;
  /** Live items each root's link reaches beneath it. */
  reachedDescendants: ReadonlyMap<string, number>;
  evidence: ReadonlyMap<string, PupilDataEvidence>;
  owner: (rootItemId: string) => Owner;
}

const NO_EVIDENCE: PupilDataEvidence = { likely: false, reasons: [] };

/** The whole pipeline in memory, for one drive (the runner streams the same steps from the store). */
export function buildFindings(input: BuildFindingsInput, now: Date): Finding[] {
  const findings: Finding[] = [];
  const likelyBelow = new Map<string, number>();
  for (const [itemId, exposure] of input.exposures) {
    if (input.rootExposures.has(itemId)) continue;
    const evidence = input.evidence.get(itemId) ?? NO_EVIDENCE;
    if (!evidence.likely) continue;
    const stored = input.items.get(itemId);
    if (!stored) continue;
    const { parentId: _parentId, ...item } = stored;
    likelyBelow.set(exposure.viaItemId, (likelyBelow.get(exposure.viaItemId) ?? 0) + 1);
    const below = item.isFolder ? countExposedBelow(itemId, input) : 0;
    findings.push(buildFinding({ ...input, item, exposure, exposedDescendants: below, evidence, owner: input.owner(exposure.viaItemId) }, now));
  }
  for (const [rootId, own] of input.rootExposures) {
    const stored = input.items.get(rootId);
    if (!stored || !input.exposures.has(rootId)) continue;
    const { parentId: _parentId, ...item } = stored;
    const ownEvidence = input.evidence.get(rootId) ?? NO_EVIDENCE;
    const below = likelyBelow.get(rootId) ?? 0;
    const evidence = below > 0 ? { likely: true, reasons: [...ownEvidence.reasons, descendantsReason(below)] } : ownEvidence;
    findings.push(
      buildFinding(
        { ...input, item, exposure: { ...own, viaItemId: rootId }, exposedDescendants: input.reachedDescendants.get(rootId) ?? 0, evidence, owner: input.owner(rootId) },
        now,
      ),
    );
  }
  return sortFindings(findings);
}

// Exposed items beneath a folder that is not itself a root, in memory (small drives, tests).
function countExposedBelow(folderId: string, input: BuildFindingsInput): number {
  let count = 0;
  for (const itemId of input.exposures.keys()) {
    let parent = input.items.get(itemId)?.parentId ?? null;
    for (let guard = 0; parent !== null && guard < 256; guard += 1) {
      if (parent === folderId) {
        count += 1;
        break;
      }
      parent = input.items.get(parent)?.parentId ?? null;
    }
  }
  return count;
}

/** Most severe first, then by path, so reports read top-down. */
export function sortFindings<T extends Pick<Finding, 'severity' | 'path' | 'driveId'>>(findings: T[]): T[] {
  return findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.driveId.localeCompare(b.driveId) || a.path.localeCompare(b.path));
}

export interface OwnerDigest<T extends { owner: Owner }> {
  owner: Owner;
  findings: T[];
}

/** "Notify owners": each owner's exposed items, one digest per owner (by id, else email). */
export function groupFindingsByOwner<T extends { owner: Owner }>(findings: readonly T[]): { digests: OwnerDigest<T>[]; unattributed: T[] } {
  const byOwner = new Map<string, OwnerDigest<T>>();
  const unattributed: T[] = [];
  for (const finding of findings) {
    const key = finding.owner.id ?? finding.owner.email?.toLowerCase() ?? '';
    if (key === '') {
      unattributed.push(finding);
      continue;
    }
    const digest = byOwner.get(key) ?? { owner: finding.owner, findings: [] };
    digest.findings.push(finding);
    byOwner.set(key, digest);
  }
  return { digests: [...byOwner.values()], unattributed };
}
