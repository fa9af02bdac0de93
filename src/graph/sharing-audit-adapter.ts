// The Graph edge behind the sharing audit's ports (src/jobs/sharing-audit/ports.ts): drives and
// delta pages, permissions of sharing roots, first bytes of files, permission removal and the
// usage meter. Only translation lives here — paging, batching, pacing and retries stay in the
// modules it calls — so the runner never sees an SDK type or a Graph error shape.
import {
  DriveGone,
  DriveUnavailable,
  ResyncRequired,
  type ContentSource,
  type DeltaPage as AuditDeltaPage,
  type DriveDeltaSource,
  type DriveInfo,
  type GraphUsageMeter,
  type PermissionRemover,
  type PermissionResult,
  type PermissionSource,
} from '../jobs/sharing-audit/ports';
import { readFirstBytes } from './content';
import { walkDrive } from './drive-walker';
import type { GraphEdge } from './graph-client';
import { GraphRequestError, ResyncRequiredError, graphFailureKind, toGraphCallFailed } from './graph-errors';
import { deletePermission, listPermissions } from './permissions';
import type { DriveRecord } from './types';
import { listDrives } from './users-and-drives';

export interface SharingAuditAdapterOptions {
  /** Audit SharePoint site libraries as well as OneDrives. Default false. */
  includeSites?: boolean;
  /** Delta `$top`. Default 1000. */
  pageSize?: number;
  /** `$batch` requests in flight for permissions. Default 2. */
  permissionConcurrency?: number;
}

export type SharingAuditGraph = DriveDeltaSource & PermissionSource & ContentSource & PermissionRemover & GraphUsageMeter;

/** A drive Graph will not let us read (deprovisioned OneDrive, locked site): skip and record. */
function isUnavailable(err: unknown): boolean {
  return err instanceof GraphRequestError && (err.status === 403 || err.status === 404 || err.status === 423);
}

export function createSharingAuditGraph(edge: GraphEdge, options: SharingAuditAdapterOptions = {}): SharingAuditGraph {
  return {
    includesSiteLibraries: options.includeSites === true,

    async *listDrives(known?: readonly DriveInfo[]): AsyncIterable<DriveInfo> {
      const knownOneDrives = new Map<string, DriveRecord>();
      for (const k of known ?? []) {
        if (k.driveType !== 'business' || !k.owner.id) continue;
        knownOneDrives.set(k.owner.id, { id: k.driveId, kind: 'onedrive', driveType: k.driveType, name: k.name, webUrl: k.webUrl, owner: k.owner });
      }
      for await (const d of listDrives(edge, { includeSites: options.includeSites, knownOneDrives })) {
        yield {
          driveId: d.id,
          driveType: d.driveType ?? (d.kind === 'site' ? 'documentLibrary' : 'business'),
          name: d.name,
          webUrl: d.webUrl,
          owner: d.owner
            ? { id: d.owner.id, displayName: d.owner.displayName, email: d.owner.email }
            : { id: d.siteId ?? null, displayName: d.siteName ?? null, email: null },
        };
      }
    },

    async *pages(driveId: string, cursor: string | null): AsyncIterable<AuditDeltaPage> {
      try {
        for await (const page of walkDrive(edge, { driveId, from: cursor, pageSize: options.pageSize })) {
          yield { items: page.items, nextCursor: page.nextLink, deltaToken: page.deltaLink };
        }
      } catch (err) {
        if (err instanceof ResyncRequiredError) throw new ResyncRequired(driveId);
        if (err instanceof GraphRequestError && err.status === 404) throw new DriveGone(driveId);
        if (isUnavailable(err)) throw new DriveUnavailable(driveId, `drive ${driveId} cannot be read (${(err as GraphRequestError).status})`);
        throw err;
      }
    },

    async listPermissions(driveId: string, itemIds: readonly string[]): Promise<PermissionResult[]> {
      let results;
      try {
        results = await listPermissions(edge, itemIds.map((itemId) => ({ driveId, itemId })), { concurrency: options.permissionConcurrency });
      } catch (err) {
        // The batch itself got no answer (network, token): the caller needs the kind, not the SDK's error.
        throw toGraphCallFailed(err);
      }
      const byItem = new Map(results.map((r) => [r.itemId, r]));
      return itemIds.map((itemId): PermissionResult => {
        const r = byItem.get(itemId);
        if (r?.ok) return { itemId, status: 'ok', permissions: r.permissions };
        if (r && r.status === 404) return { itemId, status: 'not-found' };
        if (!r) return { itemId, status: 'failed', error: 'no result', kind: 'error', httpStatus: null };
        const kind = graphFailureKind(new GraphRequestError(r.status, r.code, r.message, ''));
        return { itemId, status: 'failed', error: `${r.status} ${r.code}`, kind, httpStatus: r.status || null };
      });
    },

    async readFirstBytes(driveId: string, itemId: string, maxBytes: number): Promise<Uint8Array | null> {
      try {
        return (await readFirstBytes(edge, { driveId, itemId }, maxBytes)).bytes;
      } catch (err) {
        if (err instanceof GraphRequestError && err.status === 404) return null;
        throw err;
      }
    },

    async removePermission(driveId: string, itemId: string, permissionId: string): Promise<'removed' | 'not-found'> {
      try {
        return (await deletePermission(edge, { driveId, itemId, permissionId })) === 'deleted' ? 'removed' : 'not-found';
      } catch (err) {
        throw toGraphCallFailed(err);
      }
    },

    snapshot() {
      const c = edge.counters();
      return { graphRequests: c.graphRequests, resourceUnits: c.resourceUnits, throttled: c.throttled };
    },
  };
}
