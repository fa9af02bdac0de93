// Which drives to audit: every member's OneDrive (users paged 999 at a time, their drives
// looked up 20 per `$batch`), and — behind a flag — SharePoint site document libraries.
// A user without a provisioned OneDrive answers 404 and is skipped, not an error.
import { runBatch } from './batch';
import type { GraphEdge } from './graph-client';
import type { DriveRecord } from './types';

interface GraphUser {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  userType?: string | null;
}

interface GraphDrive {
  id: string;
  name?: string;
  driveType?: string;
  webUrl?: string;
  owner?: { user?: { id?: string; displayName?: string; email?: string } };
}

export interface ListDrivesOptions {
  /** Include SharePoint site libraries (`/sites?search=` + `/sites/{id}/drives`). Default false. */
  includeSites?: boolean;
  /** `/sites?search=` term. Default `*`. */
  siteSearch?: string;
  signal?: AbortSignal;
  /**
   * OneDrives already known by owner (user id), e.g. from the store on an incremental run: a
   * user's OneDrive id does not change, so these users need no `GET /users/{id}/drive` (1 RU).
   */
  knownOneDrives?: ReadonlyMap<string, DriveRecord>;
}

/** Pages through `/users`, yielding member users one page at a time. */
export async function* listMemberUsers(edge: GraphEdge, signal?: AbortSignal): AsyncGenerator<GraphUser[], void, void> {
  let url: string | undefined = `${edge.baseUrl}/v1.0/users?$select=id,displayName,mail,userPrincipalName,userType&$top=999`;
  while (url) {
    signal?.throwIfAborted();
    const page: { value?: GraphUser[]; '@odata.nextLink'?: string } = await edge.client.api(url).get();
    // Guests have no OneDrive in this tenant; skip them rather than spend a 404 each.
    yield (page.value ?? []).filter((u) => (u.userType ?? 'Member') !== 'Guest');
    url = page['@odata.nextLink'];
  }
}

/** Every member's OneDrive (1 RU per user not in `knownOneDrives`, 20 per `$batch`). */
export async function* listUserDrives(edge: GraphEdge, options: ListDrivesOptions = {}): AsyncGenerator<DriveRecord, void, void> {
  for await (const users of listMemberUsers(edge, options.signal)) {
    const byId = new Map(users.map((u) => [u.id, u]));
    const unknown: GraphUser[] = [];
    for (const u of users) {
      const known = options.knownOneDrives?.get(u.id);
      if (!known) {
        unknown.push(u);
        continue;
      }
      yield { ...known, owner: { id: u.id, displayName: u.displayName ?? known.owner?.displayName ?? null, email: u.mail ?? u.userPrincipalName ?? known.owner?.email ?? null } };
    }
    if (unknown.length === 0) continue;
    const results = await runBatch(edge, unknown.map((u) => ({ id: u.id, method: 'GET' as const, url: `/users/${encodeURIComponent(u.id)}/drive?$select=id,name,driveType,webUrl,owner` })));
    for (const r of results) {
      if (r.status !== 200) continue; // 404: no OneDrive provisioned; others are retried inside runBatch
      const d = r.body as GraphDrive;
      const u = byId.get(r.id)!;
      yield {
        id: d.id,
        kind: 'onedrive',
        driveType: d.driveType ?? null,
        name: d.name ?? null,
        webUrl: d.webUrl ?? null,
        owner: { id: u.id, displayName: u.displayName ?? d.owner?.user?.displayName ?? null, email: u.mail ?? u.userPrincipalName ?? d.owner?.user?.email ?? null },
      };
    }
  }
}

/** Document libraries of SharePoint sites found by `/sites?search=`. */
export async function* listSiteDrives(edge: GraphEdge, options: ListDrivesOptions = {}): AsyncGenerator<DriveRecord, void, void> {
  let url: string | undefined = `${edge.baseUrl}/v1.0/sites?search=${encodeURIComponent(options.siteSearch ?? '*')}&$select=id,name,displayName,webUrl`;
  while (url) {
    options.signal?.throwIfAborted();
    const page: { value?: { id: string; displayName?: string; name?: string }[]; '@odata.nextLink'?: string } = await edge.client.api(url).get();
    for (const site of page.value ?? []) {
      const drives: { value?: GraphDrive[] } = await edge.client.api(`/sites/${site.id}/drives`).select('id,name,driveType,webUrl').get();
      for (const d of drives.value ?? []) {
        yield { id: d.id, kind: 'site', driveType: d.driveType ?? null, name: d.name ?? null, webUrl: d.webUrl ?? null, owner: null, siteId: site.id, siteName: site.displayName ?? site.name ?? null };
      }
    }
    url = page['@odata.nextLink'];
  }
}

/** OneDrives, then (with `includeSites`) site libraries. */
export async function* listDrives(edge: GraphEdge, options: ListDrivesOptions = {}): AsyncGenerator<DriveRecord, void, void> {
  yield* listUserDrives(edge, options);
  if (options.includeSites) yield* listSiteDrives(edge, options);
}
