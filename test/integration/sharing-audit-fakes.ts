import type { DriveItemRecord, SharedFacet, SharingPermission } from '../../src/domain/sharing/types';
import {
  type ContentSource,
  type DeltaPage,
  type DriveDeltaSource,
  type DriveInfo,
  type GraphUsageMeter,
  type PermissionRemover,
  type PermissionResult,
  type PermissionSource,
  ResyncRequired,
} from '../../src/jobs/sharing-audit/ports';

/**
 * In-memory fakes of the sharing audit's ports, behaving as Graph documents: delta pages
 * with a resume cursor and a final token; `shared` only on roots of permission hierarchies;
 * a shared folder's files not returned again by delta; effective permissions with
 * `inheritedFrom`; inherited permissions cannot be deleted; 410 for an expired token. RU are
 * counted as SharePoint does (delta page 2 without a token / 1 with, permissions 5, content 1).
 */

interface FakeItem {
  record: DriveItemRecord;
  /** The item's own permissions (links and grants). */
  permissions: SharingPermission[];
  content?: Buffer;
  changedAt: number;
}

interface FakeDrive {
  info: DriveInfo;
  items: Map<string, FakeItem>;
  /** Deleted ids and when: delta reports them as deleted records. */
  tombstones: Map<string, number>;
  /** Tokens older than this version answer 410. */
  oldestValidVersion: number;
}

export class FakeTenant implements DriveDeltaSource, PermissionSource, ContentSource, PermissionRemover, GraphUsageMeter {
  readonly drives = new Map<string, FakeDrive>();
  version = 1;
  pageSize = 3;
  usage = { graphRequests: 0, resourceUnits: 0, throttled: 0 };
  /** Every item id whose permissions were asked for, in order. */
  readonly permissionCalls: string[] = [];
  readonly contentCalls: string[] = [];
  readonly removals: string[] = [];
  readonly cursorsUsed: Array<string | null> = [];
  /** Throw after yielding this many more pages (simulates a crash or outage mid-run). */
  failAfterPages: number | null = null;
  /** Permission fetches of these ids fail (retries exhausted). */
  readonly failingPermissionIds = new Set<string>();

  addDrive(driveId: string, owner = { id: `owner-${driveId}`, displayName: `Owner ${driveId}`, email: `${driveId}@school.org.uk` }): this {
    const items = new Map<string, FakeItem>();
    items.set(`${driveId}-root`, { record: { id: `${driveId}-root`, parentId: null, name: 'root', isFolder: true, webUrl: `https://school-my.sharepoint.com/${driveId}` }, permissions: [], changedAt: this.version });
    this.drives.set(driveId, { info: { driveId, driveType: 'business', name: 'OneDrive', webUrl: null, owner }, items, tombstones: new Map(), oldestValidVersion: 0 });
    return this;
  }

  private drive(driveId: string): FakeDrive {
    const drive = this.drives.get(driveId);
    if (!drive) throw new Error(`no drive ${driveId}`);
    return drive;
  }

  private driveOf(itemId: string): FakeDrive {
    for (const drive of this.drives.values()) if (drive.items.has(itemId)) return drive;
    throw new Error(`no item ${itemId}`);
  }

  private touch(item: FakeItem): void {
    this.version += 1;
    item.changedAt = this.version;
  }

  add(driveId: string, item: { id: string; parentId?: string; name: string; isFolder?: boolean; content?: Buffer | string; mimeType?: string }): this {
    const drive = this.drive(driveId);
    const content = typeof item.content === 'string' ? Buffer.from(item.content) : item.content;
    const record: DriveItemRecord = {
      id: item.id,
      parentId: item.parentId ?? `${driveId}-root`,
      name: item.name,
      isFolder: item.isFolder ?? false,
      mimeType: item.mimeType ?? null,
      size: content?.length ?? 0,
      webUrl: `https://school-my.sharepoint.com/${driveId}/${encodeURIComponent(item.name)}`,
      contentVersion: `c-${this.version}`,
    };
    const fake: FakeItem = { record, permissions: [], content, changedAt: 0 };
    drive.items.set(item.id, fake);
    this.touch(fake);
    return this;
  }

  private refreshShared(item: FakeItem): void {
    const links = item.permissions.filter((p) => p.link || p.grantedToV2);
    const order = ['anonymous', 'organization', 'users'];
    const scopes = links.map((p) => p.link?.scope ?? 'users').sort((a, b) => order.indexOf(a) - order.indexOf(b));
    const shared: SharedFacet | null = links.length > 0 ? { scope: scopes[0], owner: { user: { id: 'sharer-1', displayName: 'Sharer', email: 'sharer@school.org.uk' } } } : item.record.shared ? {} : null;
    item.record = { ...item.record, shared };
  }

  share(itemId: string, permission: SharingPermission): this {
    const item = this.driveOf(itemId).items.get(itemId)!;
    item.permissions.push(permission);
    this.refreshShared(item);
    this.touch(item);
    return this;
  }

  unshare(itemId: string, permissionId: string): this {
    const item = this.driveOf(itemId).items.get(itemId)!;
    item.permissions = item.permissions.filter((p) => p.id !== permissionId);
    this.refreshShared(item);
    this.touch(item);
    return this;
  }

  move(itemId: string, newParentId: string): this {
    const item = this.driveOf(itemId).items.get(itemId)!;
    item.record = { ...item.record, parentId: newParentId };
    this.touch(item);
    return this;
  }

  rename(itemId: string, name: string): this {
    const item = this.driveOf(itemId).items.get(itemId)!;
    item.record = { ...item.record, name };
    this.touch(item);
    return this;
  }

  /** Deletes an item and its subtree; delta reports only the item itself (as Graph may). */
  remove(itemId: string): this {
    const drive = this.driveOf(itemId);
    const doomed = [itemId];
    for (let i = 0; i < doomed.length; i += 1) for (const [id, it] of drive.items) if (it.record.parentId === doomed[i]) doomed.push(id);
    this.version += 1;
    for (const id of doomed) drive.items.delete(id);
    drive.tombstones.set(itemId, this.version);
    return this;
  }

  expireTokens(driveId: string): this {
    this.drive(driveId).oldestValidVersion = this.version + 1;
    return this;
  }

  // --- DriveDeltaSource -------------------------------------------------------------

  async *listDrives(): AsyncIterable<DriveInfo> {
    for (const drive of this.drives.values()) yield drive.info;
  }

  private depthOf(drive: FakeDrive, item: FakeItem): number {
    let depth = 0;
    for (let p = item.record.parentId; p && depth < 100; depth += 1) p = drive.items.get(p)?.record.parentId ?? null;
    return depth;
  }

  async *pages(driveId: string, cursor: string | null): AsyncIterable<DeltaPage> {
    const drive = this.drive(driveId);
    this.cursorsUsed.push(cursor);
    // Cursors: `full:<offset>` or `since:<version>:<offset>`; tokens: `token:<version>`.
    let since = 0;
    let offset = 0;
    if (cursor?.startsWith('token:')) {
      since = Number(cursor.slice(6));
      if (since < drive.oldestValidVersion) {
        this.count(1);
        throw new ResyncRequired(driveId);
      }
    } else if (cursor?.startsWith('since:')) {
      const [, v, o] = cursor.split(':');
      since = Number(v);
      offset = Number(o);
    } else if (cursor?.startsWith('full:')) {
      offset = Number(cursor.slice(5));
    }
    const snapshot = this.version;
    const live = [...drive.items.values()]
      .filter((i) => i.changedAt > since)
      .sort((a, b) => this.depthOf(drive, a) - this.depthOf(drive, b) || a.record.id.localeCompare(b.record.id))
      .map((i) => ({ ...i.record }));
    const deleted = since > 0 ? [...drive.tombstones].filter(([, at]) => at > since).map(([id]) => ({ id, parentId: null, name: '', isFolder: false, deleted: true })) : [];
    const all: DriveItemRecord[] = [...live, ...deleted];
    for (;;) {
      if (this.failAfterPages !== null) {
        if (this.failAfterPages === 0) {
          this.failAfterPages = null;
          throw new Error('connection reset (simulated)');
        }
        this.failAfterPages -= 1;
      }
      const items = all.slice(offset, offset + this.pageSize);
      offset += items.length;
      this.count(since > 0 ? 1 : 2);
      const last = offset >= all.length;
      const next = since > 0 ? `since:${since}:${offset}` : `full:${offset}`;
      yield { items, nextCursor: last ? null : next, deltaToken: last ? `token:${snapshot}` : null };
      if (last) return;
    }
  }

  private count(ru: number): void {
    this.usage.graphRequests += 1;
    this.usage.resourceUnits += ru;
  }

  // --- PermissionSource ---------------------------------------------------------------

  /** Effective permissions: the item's own, then each ancestor's with `inheritedFrom`. */
  effectivePermissions(driveId: string, itemId: string): SharingPermission[] | null {
    const drive = this.drive(driveId);
    const item = drive.items.get(itemId);
    if (!item) return null;
    const result = item.permissions.map((p) => ({ ...p }));
    for (let parent = item.record.parentId; parent; parent = drive.items.get(parent)?.record.parentId ?? null) {
      const ancestor = drive.items.get(parent);
      if (!ancestor) break;
      for (const p of ancestor.permissions) result.push({ ...p, inheritedFrom: { driveId, id: parent } });
    }
    return result;
  }

  async listPermissions(driveId: string, itemIds: readonly string[]): Promise<PermissionResult[]> {
    return itemIds.map((itemId) => {
      this.permissionCalls.push(itemId);
      this.count(5);
      if (this.failingPermissionIds.has(itemId)) {
        this.usage.throttled += 1;
        return { itemId, status: 'failed' as const, error: '429 retries exhausted', kind: 'unreachable' as const, httpStatus: 429 };
      }
      const permissions = this.effectivePermissions(driveId, itemId);
      return permissions === null ? { itemId, status: 'not-found' } : { itemId, status: 'ok', permissions };
    });
  }

  // --- ContentSource ------------------------------------------------------------------

  async readFirstBytes(driveId: string, itemId: string, maxBytes: number): Promise<Uint8Array | null> {
    this.contentCalls.push(itemId);
    this.count(1);
    const item = this.drive(driveId).items.get(itemId);
    if (!item) return null;
    return (item.content ?? Buffer.alloc(0)).subarray(0, maxBytes);
  }

  // --- PermissionRemover --------------------------------------------------------------

  async removePermission(driveId: string, itemId: string, permissionId: string): Promise<'removed' | 'not-found'> {
    this.count(5);
    const effective = this.effectivePermissions(driveId, itemId) ?? [];
    const target = effective.find((p) => p.id === permissionId);
    if (!target) return 'not-found';
    // Graph refuses to delete an inherited permission on a child.
    if (target.inheritedFrom) throw new Error('400 invalidRequest: cannot delete an inherited permission');
    this.removals.push(`${itemId}/${permissionId}`);
    this.unshare(itemId, permissionId);
    return 'removed';
  }

  snapshot() {
    return { ...this.usage };
  }
}

// Permission builders, shaped like Graph's.
let nextPermission = 1;
const pid = () => `perm-${nextPermission++}`;

export const anyoneLink = (overrides: Partial<SharingPermission> = {}): SharingPermission => ({
  id: pid(),
  roles: ['read'],
  link: { scope: 'anonymous', type: 'view', webUrl: 'https://school-my.sharepoint.com/:x:/g/abc' },
  ...overrides,
});
export const organisationLink = (overrides: Partial<SharingPermission> = {}): SharingPermission => ({
  id: pid(),
  roles: ['write'],
  link: { scope: 'organization', type: 'edit' },
  ...overrides,
});
export const peopleLink = (emails: string[], overrides: Partial<SharingPermission> = {}): SharingPermission => ({
  id: pid(),
  roles: ['read'],
  link: { scope: 'users', type: 'view' },
  grantedToIdentitiesV2: emails.map((email) => ({ user: { email, displayName: email } })),
  ...overrides,
});
export const guestLink = (loginName: string): SharingPermission => ({
  id: pid(),
  roles: ['read'],
  link: { scope: 'users', type: 'view' },
  grantedToIdentitiesV2: [{ siteUser: { loginName, displayName: 'Guest' } }],
});
