// Walks one drive's delta feed page by page (never the whole drive in memory): the caller
// stores each page and checkpoints `nextLink`, and keeps the final `deltaLink` for the next,
// incremental run. Delta, not children: it is the only enumeration Microsoft guarantees to
// return every item while users keep writing, and costs 1 RU per page with a token.
//
// - `Prefer: hierarchicalsharing`: the `shared` facet only on roots of permission hierarchies,
//   so the audit knows which few items need a (5 RU) permissions call.
// - `$select` of only the fields used; `$top=1000` (Graph may still return shorter pages).
// - 410 (resyncRequired, expired or invalidated token) → ResyncRequiredError: the caller
//   discards the drive's stored tree and walks again without a token.
// - `$expand=permissions` is not supported on delta (400 notSupported), hence permissions.ts.
import type { GraphError } from '@microsoft/microsoft-graph-client';
import { DRIVE_ITEM_SELECT, toDriveItemRecord } from './drive-item-record';
import type { GraphEdge } from './graph-client';
import { GraphRequestError, ResyncRequiredError } from './graph-errors';
import type { DeltaPage } from './types';

export interface DriveWalkOptions {
  driveId: string;
  /** A stored deltaLink (incremental run) or nextLink (resume an interrupted walk). Absent → full walk. */
  from?: string | null;
  /** `$top`. Default 1000. */
  pageSize?: number;
  /** `$select`. Default DRIVE_ITEM_SELECT. */
  select?: readonly string[];
  /** Send `Prefer: hierarchicalsharing`. Default true. */
  hierarchicalSharing?: boolean;
  /** Stops between pages. */
  signal?: AbortSignal;
}

/** Yields each delta page of a drive; the last page carries the deltaLink. */
export async function* walkDrive(edge: GraphEdge, options: DriveWalkOptions): AsyncGenerator<DeltaPage, void, void> {
  const driveId = options.driveId;
  const headers: Record<string, string> = options.hierarchicalSharing === false ? {} : { Prefer: 'hierarchicalsharing' };
  let url: string;
  if (options.from) {
    // Stored links must point at our Graph host: a token is never sent anywhere else.
    if (!options.from.startsWith(`${edge.baseUrl}/`)) throw new Error(`delta link for drive ${driveId} is not on ${edge.baseUrl}`);
    url = options.from;
  } else {
    const params = new URLSearchParams({ $select: (options.select ?? DRIVE_ITEM_SELECT).join(','), $top: String(options.pageSize ?? 1000) });
    url = `${edge.baseUrl}/v1.0/drives/${encodeURIComponent(driveId)}/root/delta?${params.toString()}`;
  }
  for (let pageIndex = 0; ; pageIndex++) {
    options.signal?.throwIfAborted();
    let body: { value?: unknown[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
    try {
      body = await edge.client.api(url).headers(headers).get();
    } catch (err) {
      const e = err as GraphError;
      if (e?.statusCode === 410) throw new ResyncRequiredError(driveId, e.code ?? 'resyncRequired', e.headers?.get('location') ?? null);
      throw new GraphRequestError(e?.statusCode ?? 0, e?.code ?? 'unknown', e?.message ?? String(err), url, { cause: err });
    }
    const items = (body.value ?? []).map((raw) => toDriveItemRecord(raw, driveId));
    const nextLink = body['@odata.nextLink'] ?? null;
    const deltaLink = body['@odata.deltaLink'] ?? null;
    yield { driveId, items, pageIndex, nextLink, deltaLink };
    if (!nextLink) {
      if (!deltaLink) throw new GraphRequestError(200, 'noDeltaLink', 'delta page had neither nextLink nor deltaLink', url);
      return;
    }
    url = nextLink;
  }
}
