// Permissions of sharing roots only — never per file. Each list is a 5 RU permission
// operation; 20 go in one `$batch`. Graph returns effective permissions: the ones inherited
// from an ancestor carry `inheritedFrom`, and only the others can be deleted.
import { runBatch, type BatchOptions } from './batch';
import type { GraphEdge } from './graph-client';
import { GraphRequestError, graphErrorOf } from './graph-errors';
import type { ItemPermissionsResult, PermissionRecord } from './types';

export interface PermissionTarget {
  driveId: string;
  itemId: string;
}

export interface ListPermissionsOptions extends Pick<BatchOptions, 'concurrency'> {
  /** Called per item as soon as its permissions (or failure) are final. */
  onResult?: (result: ItemPermissionsResult) => void | Promise<void>;
}

function permissionsPath(t: PermissionTarget): string {
  return `/drives/${encodeURIComponent(t.driveId)}/items/${encodeURIComponent(t.itemId)}/permissions`;
}

/** Lists the effective permissions of many items through `$batch`; failures are results, not throws. */
export async function listPermissions(edge: GraphEdge, targets: readonly PermissionTarget[], options: ListPermissionsOptions = {}): Promise<ItemPermissionsResult[]> {
  const byStep = new Map<string, PermissionTarget>();
  const steps = targets.map((t, i) => {
    const id = String(i + 1);
    byStep.set(id, t);
    return { id, method: 'GET' as const, url: permissionsPath(t) };
  });
  const out: ItemPermissionsResult[] = [];
  await runBatch(edge, steps, {
    concurrency: options.concurrency,
    onResult: async (r) => {
      const t = byStep.get(r.id)!;
      let result: ItemPermissionsResult;
      if (r.status === 200) {
        const body = r.body as { value?: PermissionRecord[]; '@odata.nextLink'?: string };
        const permissions = [...(body.value ?? [])];
        // Rare (items with hundreds of grants), but follow the paging rather than lose any.
        for (let next = body['@odata.nextLink']; next; ) {
          const page = await edge.getJson<{ value?: PermissionRecord[]; '@odata.nextLink'?: string }>(next);
          permissions.push(...(page.value ?? []));
          next = page['@odata.nextLink'];
        }
        result = { ...t, ok: true, permissions };
      } else {
        const e = graphErrorOf(r.body);
        result = { ...t, ok: false, status: r.status, code: e.code, message: e.message };
      }
      out.push(result);
      await options.onResult?.(result);
    },
  });
  return out;
}

/** Lists one item's permissions (no batch). */
export async function getPermissions(edge: GraphEdge, target: PermissionTarget): Promise<PermissionRecord[]> {
  const body = await edge.getJson<{ value?: PermissionRecord[] }>(permissionsPath(target));
  return body.value ?? [];
}

/**
 * Deletes one permission (remediation; needs Files.ReadWrite.All). Graph refuses inherited
 * permissions — remove the link on the sharing root named by `inheritedFrom` instead.
 * Resolves on 204 (and on 404: already gone); throws GraphRequestError otherwise.
 */
export async function deletePermission(edge: GraphEdge, target: PermissionTarget & { permissionId: string }): Promise<'deleted' | 'already-gone'> {
  const url = `${permissionsPath(target)}/${encodeURIComponent(target.permissionId)}`;
  const r = await edge.send('DELETE', url);
  if (r.status === 204 || r.status === 200) return 'deleted';
  if (r.status === 404) return 'already-gone';
  const e = graphErrorOf(r.body);
  throw new GraphRequestError(r.status, e.code, e.message, url);
}
