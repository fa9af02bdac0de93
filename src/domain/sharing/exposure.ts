import { isMitigated } from './severity';
import type { ExposureScope, ItemExposure, PermissionExposure } from './types';

/**
 * Exposure over a drive's tree. A sharing root's own exposing permission reaches every live
 * item beneath it (sharing a folder does not put its files into delta, so this is computed
 * from the stored tree). When several roots reach an item, the most severe exposure wins:
 * wider scope first, then the unmitigated one (no password, no expiry within 30 days),
 * then the nearest root. Deleted items are not exposed and do not pass exposure on.
 *
 * This module is the rule and an in-memory reference; the store computes the same over
 * large trees with a recursive query ordered by `exposureRank` (tested to agree).
 */

// An organisation link reaches every staff and pupil account; "external" reaches named outsiders.
export const SCOPE_RANK: Readonly<Record<ExposureScope, number>> = { anonymous: 3, organization: 2, external: 1 };

/** Larger is more severe. Stored with each root's exposure so SQL can order by it. */
export function exposureRank(exposure: Pick<PermissionExposure, 'scope' | 'expiresAt' | 'hasPassword'>, now: Date): number {
  return SCOPE_RANK[exposure.scope] * 2 + (isMitigated(exposure, now) ? 0 : 1);
}

/** The most severe of several exposures (the first of equals), or null. */
export function pickMostSevere<T extends PermissionExposure>(exposures: readonly T[], now: Date): T | null {
  let best: T | null = null;
  for (const e of exposures) if (best === null || exposureRank(e, now) > exposureRank(best, now)) best = e;
  return best;
}

/**
 * A sharing root's own exposure. Graph lists effective permissions, so a root under a shared
 * folder also lists the folder's links with `inheritedFrom`: those belong to the folder's
 * own root entry and are skipped here. An inherited permission from an item the audit does
 * not know as a root (a site-level grant) is kept: it is real, only not removable here.
 */
export function rootOwnExposure(exposures: readonly PermissionExposure[], knownRootIds: ReadonlySet<string>, now: Date): PermissionExposure | null {
  const own = exposures.filter((e) => !e.inherited || e.inheritedFromItemId === null || !knownRootIds.has(e.inheritedFromItemId));
  return pickMostSevere(own, now);
}

export interface TreeNode {
  id: string;
  parentId: string | null;
  deleted?: boolean;
}

// Deeper than any OneDrive path can go: a guard against a cycle in inconsistent data.
export const MAX_TREE_DEPTH = 256;

/** Reference implementation: the exposure of every exposed item, keyed by item id. */
export function computeExposures(nodes: readonly TreeNode[], rootExposures: ReadonlyMap<string, PermissionExposure>, now: Date): Map<string, ItemExposure> {
  const children = new Map<string, TreeNode[]>();
  const byId = new Map<string, TreeNode>();
  for (const node of nodes) {
    byId.set(node.id, node);
    if (node.parentId === null) continue;
    const list = children.get(node.parentId) ?? [];
    list.push(node);
    children.set(node.parentId, list);
  }
  const result = new Map<string, ItemExposure>();
  const better = (candidate: ItemExposure, current: ItemExposure | undefined) => {
    if (!current) return true;
    const a = exposureRank(candidate, now);
    const b = exposureRank(current, now);
    return a > b || (a === b && candidate.depth < current.depth);
  };
  for (const [rootId, exposure] of rootExposures) {
    const root = byId.get(rootId);
    if (!root || root.deleted) continue;
    const stack: Array<[TreeNode, number]> = [[root, 0]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      const candidate: ItemExposure = { ...exposure, itemId: node.id, viaItemId: rootId, depth };
      if (better(candidate, result.get(node.id))) result.set(node.id, candidate);
      if (depth >= MAX_TREE_DEPTH) continue;
      for (const child of children.get(node.id) ?? []) if (!child.deleted) stack.push([child, depth + 1]);
    }
  }
  return result;
}

/** How many live items beneath each root its link reaches (whichever root wins for them). */
export function countReachedDescendants(nodes: readonly TreeNode[], rootIds: Iterable<string>): Map<string, number> {
  const children = new Map<string, string[]>();
  const live = new Set<string>();
  for (const node of nodes) {
    if (node.deleted) continue;
    live.add(node.id);
    if (node.parentId === null) continue;
    const list = children.get(node.parentId) ?? [];
    list.push(node.id);
    children.set(node.parentId, list);
  }
  const counts = new Map<string, number>();
  for (const rootId of rootIds) {
    if (!live.has(rootId)) continue;
    let count = 0;
    const stack: Array<[string, number]> = [[rootId, 0]];
    while (stack.length > 0) {
      const [id, depth] = stack.pop()!;
      if (depth >= MAX_TREE_DEPTH) continue;
      for (const child of children.get(id) ?? []) {
        count += 1;
        stack.push([child, depth + 1]);
      }
    }
    counts.set(rootId, count);
  }
  return counts;
}
