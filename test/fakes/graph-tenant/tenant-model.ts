// The fake tenant's data: users, drives, a drive-item tree per drive, sharing permissions, and a
// per-drive change log that delta tokens point into. Generated from a seed at any size.
//
// Why columns and not objects: a 1,000,000-item tenant must fit in well under the 500 MB RSS
// target with the audit running beside it, so each item is a handful of typed-array slots
// (parent, drive, flags, kind, version, child count ≈ 18 bytes). Names, sizes and contents are
// derived from the seed and the item's index on demand; only renamed items keep a string.
// Permissions exist only on sharing roots (a small share of items), so they stay plain objects.
import { createRandom, hash3, unit } from './prng';
import {
  FILE_KIND_COUNT,
  FILE_KIND_WEIGHTS,
  FOLDER_NAMES,
  FileKind,
  PersonName,
  fileContent,
  fileName,
  mimeTypeFor,
  personName,
} from './school-names';

export interface TenantOptions {
  seed?: number;
  /** Entra tenant id (a GUID); derived from the seed when absent. */
  tenantId?: string;
  /** The school's verified domain, e.g. `stmarys.sch.uk`. */
  domain?: string;
  /** Staff (teachers) with OneDrives. Default 8. */
  staff?: number;
  /** Pupils (education users with primaryRole student) with OneDrives. Default 24. */
  pupils?: number;
  /** Guest users (userType Guest, no OneDrive). Default 3. */
  guests?: number;
  /** SharePoint sites, one document library each (listed only when sites are enabled). Default 2. */
  sites?: number;
  /** Total drive items across all drives, roots included. Default 2,000. */
  items?: number;
  /** Share of non-root items that are roots of a permission hierarchy. Default 0.01. */
  sharingRootShare?: number;
  /** Share of member users with no OneDrive provisioned (GET /users/{id}/drive → 404). Default 0.05. */
  usersWithoutDriveShare?: number;
  /** Share of items that are folders. Default 0.12. */
  folderShare?: number;
}

export type LinkScope = 'anonymous' | 'organization' | 'users';

/** A person a permission names: a tenant user (index ≥ 0) or an outside identity. */
export type Grantee = { kind: 'member'; user: number } | { kind: 'external'; email: string; displayName: string };

export interface FakePermission {
  id: string;
  roles: ('read' | 'write' | 'owner')[];
  /** A sharing link, or undefined for a direct grant (grantedToV2). */
  link?: { scope: LinkScope; type: 'view' | 'edit' | 'blocksDownload' };
  /** ISO timestamp or undefined for no expiry. */
  expiresAt?: string;
  hasPassword?: boolean;
  /** Link recipients (grantedToIdentitiesV2) or, for a grant, the single grantee (grantedToV2). */
  grantees: Grantee[];
}

/** Which mix of sharing a generated sharing root gets. */
export type SharingCategory =
  | 'anonymous'
  | 'organization'
  | 'external'
  | 'internal-people'
  | 'anonymous-expired'
  | 'anonymous-password'
  | 'unique-no-link';

export interface FakeUser {
  index: number;
  id: string;
  displayName: string;
  givenName: string;
  surname: string;
  userPrincipalName: string;
  mail: string;
  userType: 'Member' | 'Guest';
  role: 'teacher' | 'student' | 'guest';
  /** Drive index, or -1 when no OneDrive is provisioned. */
  drive: number;
}

export interface FakeSite {
  index: number;
  id: string;
  name: string;
  displayName: string;
  webUrl: string;
  drive: number;
}

export interface FakeDrive {
  index: number;
  id: string;
  kind: 'user' | 'site';
  /** Owning user index (kind user) or site index (kind site). */
  owner: number;
  root: number;
  /** Items generated for this drive occupy [start, end); later additions are in `extra`. */
  start: number;
  end: number;
  extra: number[];
  /** Change log: item indexes and the sequence number of each change, ascending. */
  changeItems: number[];
  changeSeqs: number[];
  /** Delta tokens issued before this sequence number are answered with 410 resyncRequired. */
  resyncBelow: number;
}

const FOLDER = 1;
const DELETED = 2;
const ROOT = 4;
const UNIQUE = 8;

const ITEM_ID_PREFIX = '01JIG';
const BASE_TIME = Date.UTC(2025, 8, 1);

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, '0').slice(-width);
}

function guid(seed: number, kind: number, index: number): string {
  return `${hex(hash3(seed, kind, index), 8)}-${hex(kind, 4)}-4${hex(hash3(seed, index, kind), 3)}-8${hex(seed, 3)}-${hex(Math.floor(index / 2 ** 32), 4)}${hex(index, 8)}`;
}

function guidIndex(id: string): number {
  const tail = id.slice(-12);
  if (!/^[0-9a-f]{12}$/u.test(tail)) return -1;
  return parseInt(tail.slice(0, 4), 16) * 2 ** 32 + parseInt(tail.slice(4), 16);
}

export class FakeTenant {
  readonly seed: number;
  readonly tenantId: string;
  readonly domain: string;
  readonly users: FakeUser[] = [];
  readonly sites: FakeSite[] = [];
  readonly drives: FakeDrive[] = [];
  /** Outside identities used in external shares (parents, coaches, other schools). */
  readonly externals: { email: string; displayName: string }[];

  private parent: Int32Array;
  private driveOf: Int32Array;
  private flags: Uint8Array;
  private kind: Uint8Array;
  private version: Uint32Array;
  private childCount: Int32Array;
  private count = 0;
  private names = new Map<number, string>();
  private perms = new Map<number, FakePermission[]>();
  private seq = 1;
  private permCounter = 0;
  private readonly removedUsers = new Set<number>();
  private readonly removedDrives = new Set<number>();
  private readonly removedSites = new Set<number>();
  private readonly unsearchableSites = new Set<number>();
  private readonly opts: Required<Omit<TenantOptions, 'tenantId' | 'domain'>>;

  constructor(options: TenantOptions = {}) {
    this.seed = options.seed ?? 42;
    this.opts = {
      seed: this.seed,
      staff: options.staff ?? 8,
      pupils: options.pupils ?? 24,
      guests: options.guests ?? 3,
      sites: options.sites ?? 2,
      items: options.items ?? 2000,
      sharingRootShare: options.sharingRootShare ?? 0.01,
      usersWithoutDriveShare: options.usersWithoutDriveShare ?? 0.05,
      folderShare: options.folderShare ?? 0.12,
    };
    this.tenantId = options.tenantId ?? guid(this.seed, 0xe1, 1);
    this.domain = options.domain ?? 'stmarys.sch.uk';
    const capacity = Math.max(16, this.opts.items + 1024);
    this.parent = new Int32Array(capacity);
    this.driveOf = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.version = new Uint32Array(capacity);
    this.childCount = new Int32Array(capacity);
    this.externals = [
      { email: 'jo.parent@gmail.com', displayName: 'Jo Parent' },
      { email: 'coach@riverside-fc.example.org', displayName: 'Riverside FC Coach' },
      { email: 'senco@otherschool.example.sch.uk', displayName: 'SENCo, Other School' },
      { email: 'photos@schoolphotos.example.com', displayName: 'School Photos Ltd' },
    ];
    this.generate();
  }

  // ---------------------------------------------------------------- generation

  private generate(): void {
    const { staff, pupils, guests, sites } = this.opts;
    const rnd = createRandom(this.seed);
    const memberCount = staff + pupils;
    for (let u = 0; u < memberCount + guests; u++) {
      const isGuest = u >= memberCount;
      const role = u < staff ? 'teacher' : isGuest ? 'guest' : 'student';
      const n = role === 'student' ? this.pupilName(u - staff) : personName(this.seed, u, 11);
      const local = `${n.givenName}.${n.surname}`
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/gu, '')
        .replace(/[^A-Za-z.]/gu, '')
        .toLowerCase();
      const ext = isGuest ? this.externals[(u - memberCount) % this.externals.length]! : undefined;
      const mail = ext ? ext.email : `${local}${u}@${this.domain}`;
      const upn = ext ? `${ext.email.replace('@', '_')}#EXT#@${this.domain}` : mail;
      this.users.push({
        index: u,
        id: guid(this.seed, 0x05e7, u),
        displayName: ext ? ext.displayName : `${n.givenName} ${n.surname}`,
        givenName: n.givenName,
        surname: n.surname,
        userPrincipalName: upn,
        mail,
        userType: isGuest ? 'Guest' : 'Member',
        role,
        drive: -1,
      });
    }
    // Drives: members (unless unprovisioned) then one library per site. Weights give staff
    // bigger drives than pupils, and sites the biggest, as in a real school.
    const owners: { kind: 'user' | 'site'; owner: number; weight: number }[] = [];
    for (const user of this.users) {
      if (user.userType === 'Guest') continue;
      if (user.index > 0 && rnd() < this.opts.usersWithoutDriveShare) continue;
      owners.push({ kind: 'user', owner: user.index, weight: user.role === 'teacher' ? 3 : 1 });
    }
    for (let s = 0; s < sites; s++) {
      const name = ['Staff', 'Curriculum', 'Office', 'Pastoral', 'Trips'][s % 5]! + (s >= 5 ? String(s) : '');
      this.sites.push({
        index: s,
        id: `stmarys.sharepoint.com,${guid(this.seed, 0x517e, s)},${guid(this.seed, 0x3eb, s)}`,
        name,
        displayName: `${name} site`,
        webUrl: `https://stmarys.sharepoint.com/sites/${name}`,
        drive: -1,
      });
      owners.push({ kind: 'site', owner: s, weight: 4 });
    }
    const totalWeight = owners.reduce((a, o) => a + o.weight, 0);
    let remaining = Math.max(this.opts.items, owners.length);
    owners.forEach((o, d) => {
      const share = d === owners.length - 1 ? remaining : Math.max(1, Math.round((this.opts.items * o.weight) / totalWeight));
      const size = Math.max(1, Math.min(share, remaining - (owners.length - 1 - d)));
      remaining -= size;
      this.generateDrive(d, o.kind, o.owner, size, rnd);
    });
  }

  private generateDrive(d: number, kind: 'user' | 'site', owner: number, size: number, rnd: () => number): void {
    const start = this.count;
    const drive: FakeDrive = {
      index: d,
      id: `b!JIG${hex(this.seed, 6)}_${d}`,
      kind,
      owner,
      root: start,
      start,
      end: start + size,
      extra: [],
      changeItems: [],
      changeSeqs: [],
      resyncBelow: 0,
    };
    this.drives.push(drive);
    if (kind === 'user') this.users[owner]!.drive = d;
    else this.sites[owner]!.drive = d;
    this.allocate(-1, d, FOLDER | ROOT, 0);
    const folders = [start];
    const depth = new Map<number, number>([[start, 0]]);
    for (let j = 1; j < size; j++) {
      // Bias toward recent folders so trees get depth, not just a flat root.
      const parent = rnd() < 0.6 ? folders[Math.max(0, folders.length - 1 - Math.floor(rnd() * 3))]! : folders[Math.floor(rnd() * folders.length)]!;
      const parentDepth = depth.get(parent)!;
      const isFolder = parentDepth < 5 && rnd() < this.opts.folderShare;
      const idx = isFolder ? this.allocate(parent, d, FOLDER, Math.floor(rnd() * FOLDER_NAMES.length)) : this.allocate(parent, d, 0, this.pickKind(rnd()));
      if (isFolder) {
        folders.push(idx);
        depth.set(idx, parentDepth + 1);
      }
      if (rnd() < this.opts.sharingRootShare) this.shareGenerated(idx, rnd);
    }
  }

  private pickKind(r: number): number {
    const total = FILE_KIND_WEIGHTS.reduce((a, b) => a + b, 0);
    let x = r * total;
    for (let k = 0; k < FILE_KIND_COUNT; k++) {
      x -= FILE_KIND_WEIGHTS[k]!;
      if (x < 0) return k;
    }
    return FileKind.LessonPlan;
  }

  private shareGenerated(item: number, rnd: () => number): void {
    const r = rnd();
    const category: SharingCategory =
      r < 0.3 ? 'anonymous'
      : r < 0.55 ? 'organization'
      : r < 0.7 ? 'external'
      : r < 0.85 ? 'internal-people'
      : r < 0.9 ? 'anonymous-expired'
      : r < 0.95 ? 'anonymous-password'
      : 'unique-no-link';
    this.applyCategory(item, category, Math.floor(rnd() * 1e9));
  }

  private applyCategory(item: number, category: SharingCategory, h: number): void {
    const staffCount = Math.max(1, this.opts.staff);
    const colleague: Grantee = { kind: 'member', user: h % staffCount };
    const outsider = this.externals[h % this.externals.length]!;
    // Fixed dates keep generation independent of the clock: long past, and years ahead.
    const future = new Date(Date.UTC(2030, 6, 31)).toISOString();
    switch (category) {
      case 'anonymous':
        this.addPermission(item, { roles: ['read'], link: { scope: 'anonymous', type: 'view' }, grantees: [] }, false);
        break;
      case 'organization':
        this.addPermission(item, { roles: [h % 2 ? 'write' : 'read'], link: { scope: 'organization', type: h % 2 ? 'edit' : 'view' }, grantees: [] }, false);
        break;
      case 'external':
        // Half specific-people links to an outsider, half direct grants to a guest (grantedToV2).
        if (h % 2) this.addPermission(item, { roles: ['read'], link: { scope: 'users', type: 'view' }, grantees: [{ kind: 'external', ...outsider }] }, false);
        else this.addPermission(item, { roles: ['write'], grantees: [{ kind: 'external', ...outsider }] }, false);
        break;
      case 'internal-people':
        this.addPermission(item, { roles: ['write'], link: { scope: 'users', type: 'edit' }, grantees: [colleague] }, false);
        break;
      case 'anonymous-expired':
        this.addPermission(item, { roles: ['read'], link: { scope: 'anonymous', type: 'view' }, expiresAt: new Date(BASE_TIME - 30 * 86400_000).toISOString(), grantees: [] }, false);
        break;
      case 'anonymous-password':
        this.addPermission(item, { roles: ['read'], link: { scope: 'anonymous', type: 'view' }, expiresAt: future, hasPassword: true, grantees: [] }, false);
        break;
      case 'unique-no-link':
        this.flags[item]! |= UNIQUE;
        if (!this.perms.has(item)) this.perms.set(item, []);
        break;
    }
  }

  private allocate(parent: number, drive: number, flags: number, kind: number): number {
    if (this.count === this.parent.length) this.grow();
    const i = this.count++;
    this.parent[i] = parent;
    this.driveOf[i] = drive;
    this.flags[i] = flags;
    this.kind[i] = kind;
    this.version[i] = this.seq;
    if (parent >= 0) this.childCount[parent]!++;
    return i;
  }

  private grow(): void {
    const n = this.parent.length * 2;
    const g = <T extends Int32Array | Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.parent = g(this.parent, (k) => new Int32Array(k));
    this.driveOf = g(this.driveOf, (k) => new Int32Array(k));
    this.flags = g(this.flags, (k) => new Uint8Array(k));
    this.kind = g(this.kind, (k) => new Uint8Array(k));
    this.version = g(this.version, (k) => new Uint32Array(k));
    this.childCount = g(this.childCount, (k) => new Int32Array(k));
  }

  // ---------------------------------------------------------------- identity and lookup

  pupilName(p: number): PersonName {
    return personName(this.seed, p, 7);
  }

  itemId(i: number): string {
    return ITEM_ID_PREFIX + i.toString(36).toUpperCase().padStart(8, '0');
  }

  /** Item index for an id, or -1. */
  itemIndex(id: string): number {
    if (!id.startsWith(ITEM_ID_PREFIX)) return -1;
    const i = parseInt(id.slice(ITEM_ID_PREFIX.length), 36);
    return Number.isInteger(i) && i >= 0 && i < this.count ? i : -1;
  }

  /**
   * The user is deleted from Entra: gone from `/users` and `/users/{id}`. Their OneDrive stays
   * readable by its id, links and all, as through OneDrive's retention period, until deleteDrive.
   */
  deleteUser(id: string | number): void {
    const u = typeof id === 'number' ? this.users[id] : this.userById(id);
    if (!u) throw new Error(`no user ${id}`);
    this.removedUsers.add(u.index);
  }

  /** The drive is deleted (a leaver's OneDrive after retention, a removed library): Graph answers 404 for it. */
  deleteDrive(id: string | number): void {
    const d = this.driveByIdOrIndex(id);
    if (!d) throw new Error(`no drive ${id}`);
    this.removedDrives.add(d.index);
  }

  /**
   * The site is set not to appear in search results (a site setting in SharePoint): `/sites?search=`
   * leaves it out, but it, its library and its links are there, readable by id.
   */
  hideSiteFromSearch(index: number): void {
    if (!this.sites[index]) throw new Error(`no site ${index}`);
    this.unsearchableSites.add(index);
  }

  /** The site is deleted: gone from search and from `/sites/{id}`, and Graph answers 404 for its library. */
  deleteSite(index: number): void {
    const site = this.sites[index];
    if (!site) throw new Error(`no site ${index}`);
    this.removedSites.add(index);
    this.removedDrives.add(site.drive);
  }

  isSiteSearchable(index: number): boolean {
    return !this.removedSites.has(index) && !this.unsearchableSites.has(index);
  }

  isSiteDeleted(index: number): boolean {
    return this.removedSites.has(index);
  }

  isUserDeleted(index: number): boolean {
    return this.removedUsers.has(index);
  }

  isDriveDeleted(index: number): boolean {
    return this.removedDrives.has(index);
  }

  driveByIdOrIndex(id: string | number): FakeDrive | undefined {
    if (typeof id === 'number') return this.drives[id];
    const m = /^b!JIG[0-9a-f]{6}_(\d+)$/u.exec(id);
    const d = m ? this.drives[Number(m[1])] : undefined;
    return d && d.id === id ? d : undefined;
  }

  userById(id: string): FakeUser | undefined {
    const u = this.users[guidIndex(id)];
    if (u && u.id === id) return u;
    return this.users.find((x) => x.userPrincipalName.toLowerCase() === id.toLowerCase());
  }

  get itemCount(): number {
    return this.count;
  }

  get currentSeq(): number {
    return this.seq;
  }

  isFolder(i: number): boolean {
    return (this.flags[i]! & FOLDER) !== 0;
  }
  isDeleted(i: number): boolean {
    return (this.flags[i]! & DELETED) !== 0;
  }
  isRoot(i: number): boolean {
    return (this.flags[i]! & ROOT) !== 0;
  }
  hasUniquePermissions(i: number): boolean {
    return (this.flags[i]! & UNIQUE) !== 0;
  }
  parentOf(i: number): number {
    return this.parent[i]!;
  }
  driveIndexOf(i: number): number {
    return this.driveOf[i]!;
  }
  versionOf(i: number): number {
    return this.version[i]!;
  }
  childCountOf(i: number): number {
    return this.childCount[i]!;
  }
  fileKindOf(i: number): number {
    return this.kind[i]!;
  }

  nameOf(i: number): string {
    const override = this.names.get(i);
    if (override !== undefined) return override;
    if (this.isRoot(i)) return 'root';
    const h = hash3(this.seed, i, 3);
    if (this.isFolder(i)) return `${FOLDER_NAMES[this.kind[i]! % FOLDER_NAMES.length]}${h % 4 === 0 ? ` ${h % 97}` : ''}`;
    return fileName(this.kind[i]!, h, this.pupilName(hash3(this.seed, i, 5) % Math.max(1, this.opts.pupils)));
  }

  sizeOf(i: number): number {
    if (this.isFolder(i)) return 0;
    const h = hash3(this.seed, i, 9);
    return this.kind[i] === FileKind.CameraPhoto || this.kind[i] === FileKind.PupilPhoto ? 1_000_000 + (h % 4_000_000) : 2_000 + (h % 200_000);
  }

  mimeTypeOf(i: number): string {
    return mimeTypeFor(this.nameOf(i));
  }

  /** Path from the drive root, e.g. `/Year 7/Class list 7B.xlsx` ('' for the root). */
  pathOf(i: number): string {
    const parts: string[] = [];
    for (let n = i; n >= 0 && !this.isRoot(n); n = this.parent[n]!) parts.push(this.nameOf(n));
    return parts.length ? `/${parts.reverse().join('/')}` : '';
  }

  webUrlOf(i: number): string {
    const drive = this.drives[this.driveOf[i]!]!;
    const base = drive.kind === 'user'
      ? `https://stmarys-my.sharepoint.com/personal/${this.users[drive.owner]!.userPrincipalName.replace(/[@.]/gu, '_')}/Documents`
      : `${this.sites[drive.owner]!.webUrl}/Shared Documents`;
    return base + this.pathOf(i).split('/').map(encodeURIComponent).join('/');
  }

  lastModifiedOf(i: number): string {
    return new Date(BASE_TIME + this.version[i]! * 60_000 + (hash3(this.seed, i, 4) % 86_400_000)).toISOString();
  }

  /** The first `bytes` of a file's content. */
  contentOf(i: number, bytes: number): Buffer {
    return fileContent(this.kind[i]!, hash3(this.seed, i, 6), (n) => this.pupilName(n % Math.max(1, this.opts.pupils)), Math.min(bytes, this.sizeOf(i)));
  }

  /** Items of a drive in enumeration order (parents before children for generated items). */
  driveItemAt(drive: FakeDrive, pos: number): number {
    const rangeLength = drive.end - drive.start;
    if (pos < rangeLength) return drive.start + pos;
    return drive.extra[pos - rangeLength] ?? -1;
  }

  driveLength(drive: FakeDrive): number {
    return drive.end - drive.start + drive.extra.length;
  }

  /** All live item indexes of a drive (for tests; O(drive size)). */
  liveItems(drive: FakeDrive): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.driveLength(drive); p++) {
      const i = this.driveItemAt(drive, p);
      if (!this.isDeleted(i)) out.push(i);
    }
    return out;
  }

  /** Items with unique permissions (roots of permission hierarchies), live only. */
  sharingRoots(): number[] {
    return [...this.perms.keys()].filter((i) => !this.isDeleted(i)).sort((a, b) => a - b);
  }

  ownPermissions(i: number): readonly FakePermission[] {
    return this.perms.get(i) ?? [];
  }

  /** The most permissive link scope among an item's own permissions, or undefined. */
  ownLinkScope(i: number): LinkScope | undefined {
    let best: LinkScope | undefined;
    for (const p of this.perms.get(i) ?? []) {
      const s = p.link?.scope ?? (p.grantees.length ? 'users' : undefined);
      if (s === 'anonymous') return s;
      if (s === 'organization' || (s === 'users' && !best)) best = s;
    }
    return best;
  }

  // ---------------------------------------------------------------- mutation helpers

  private touch(i: number): void {
    this.seq++;
    this.version[i] = this.seq;
    const drive = this.drives[this.driveOf[i]!]!;
    drive.changeItems.push(i);
    drive.changeSeqs.push(this.seq);
  }

  private requireItem(id: string | number): number {
    const i = typeof id === 'number' ? id : this.itemIndex(id);
    if (i < 0 || i >= this.count) throw new Error(`no such item ${id}`);
    return i;
  }

  /** Adds a permission to an item, giving it unique permissions; returns the permission id. */
  addPermission(item: string | number, permission: Omit<FakePermission, 'id'>, logChange = true): string {
    const i = this.requireItem(item);
    const id = `aTowIy5mfG1lbWJlcnNoaXB8${(++this.permCounter).toString(36)}`;
    const list = this.perms.get(i) ?? [];
    list.push({ id, ...permission });
    this.perms.set(i, list);
    this.flags[i]! |= UNIQUE;
    if (logChange) this.touch(i);
    return id;
  }

  /** Convenience: add a sharing link of a scope (external = a `users` link to an outside identity). */
  addLink(
    item: string | number,
    options: { scope: LinkScope | 'external'; type?: 'view' | 'edit'; expiresAt?: string; hasPassword?: boolean; recipients?: Grantee[] },
  ): string {
    const scope: LinkScope = options.scope === 'external' ? 'users' : options.scope;
    const grantees = options.recipients ?? (options.scope === 'external' ? [{ kind: 'external' as const, ...this.externals[0]! }] : []);
    return this.addPermission(item, {
      roles: [options.type === 'edit' ? 'write' : 'read'],
      link: { scope, type: options.type ?? 'view' },
      expiresAt: options.expiresAt,
      hasPassword: options.hasPassword,
      grantees,
    });
  }

  /** Removes one of an item's own permissions. The item keeps unique permissions (`shared: {}`). */
  removePermission(item: string | number, permissionId: string): boolean {
    const i = this.requireItem(item);
    const list = this.perms.get(i);
    const at = list?.findIndex((p) => p.id === permissionId) ?? -1;
    if (!list || at < 0) return false;
    list.splice(at, 1);
    this.touch(i);
    return true;
  }

  /** Finds the item (self or ancestor) that owns a permission id, or -1. */
  permissionOwner(permissionId: string): number {
    for (const [i, list] of this.perms) if (list.some((p) => p.id === permissionId)) return i;
    return -1;
  }

  moveItem(item: string | number, newParent: string | number): void {
    const i = this.requireItem(item);
    const p = this.requireItem(newParent);
    if (this.driveOf[i] !== this.driveOf[p]) throw new Error('cross-drive moves are not modelled');
    for (let n = p; n >= 0; n = this.parent[n]!) if (n === i) throw new Error('cannot move an item under itself');
    this.childCount[this.parent[i]!]!--;
    this.parent[i] = p;
    this.childCount[p]!++;
    this.touch(i);
  }

  renameItem(item: string | number, name: string): void {
    const i = this.requireItem(item);
    this.names.set(i, name);
    this.touch(i);
  }

  /** Deletes an item and, for a folder, everything under it (each appears as deleted in delta). */
  deleteItem(item: string | number): void {
    const i = this.requireItem(item);
    if (this.isRoot(i)) throw new Error('cannot delete a drive root');
    const drive = this.drives[this.driveOf[i]!]!;
    const doomed: number[] = [i];
    if (this.isFolder(i)) {
      for (let pos = 0; pos < this.driveLength(drive); pos++) {
        const n = this.driveItemAt(drive, pos);
        if (this.isDeleted(n) || n === i) continue;
        for (let a = this.parent[n]!; a >= 0; a = this.parent[a]!) if (a === i) { doomed.push(n); break; }
      }
    }
    this.childCount[this.parent[i]!]!--;
    for (const n of doomed.reverse()) {
      this.flags[n]! |= DELETED;
      this.touch(n);
    }
  }

  /** Adds a file or folder under a parent; returns its id. */
  addItem(parentItem: string | number, options: { name: string; folder?: boolean; kind?: number }): string {
    const p = this.requireItem(parentItem);
    const d = this.driveOf[p]!;
    const i = this.allocate(p, d, options.folder ? FOLDER : 0, options.kind ?? FileKind.Notes);
    this.names.set(i, options.name);
    this.drives[d]!.extra.push(i);
    this.touch(i);
    return this.itemId(i);
  }

  /** Makes every delta token issued so far for a drive answer 410 resyncRequired. */
  expireDeltaTokens(drive: string | number): void {
    const d = typeof drive === 'number' ? this.drives[drive] : this.driveByIdOrIndex(drive);
    if (!d) throw new Error(`no such drive ${drive}`);
    this.seq++;
    d.resyncBelow = this.seq;
  }

  /** Changes of a drive after `since` up to `until`, each item once at its last change. */
  changesBetween(drive: FakeDrive, since: number, until: number): number[] {
    let lo = 0;
    let hi = drive.changeSeqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (drive.changeSeqs[mid]! <= since) lo = mid + 1;
      else hi = mid;
    }
    const last = new Map<number, number>();
    for (let k = lo; k < drive.changeSeqs.length && drive.changeSeqs[k]! <= until; k++) last.set(drive.changeItems[k]!, k);
    return [...last.entries()].sort((a, b) => a[1] - b[1]).map(([item]) => item);
  }

  /** A stable fraction in [0,1) for deterministic "sometimes" behaviour (short pages). */
  chance(a: number, b: number): number {
    return unit(this.seed, a, b);
  }
}

export function generateTenant(options: TenantOptions = {}): FakeTenant {
  return new FakeTenant(options);
}
