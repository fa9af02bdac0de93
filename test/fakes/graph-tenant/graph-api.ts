// The fake Microsoft Graph v1.0 surface the sharing audit uses, as a pure function from a
// request to a response so that top-level requests and `$batch` sub-requests go through the
// same code (and the same resource-unit meter, one charge per sub-request, as Graph does).
// Behaviour follows Microsoft's documentation: delta paging with nextLink/deltaLink tokens,
// `Prefer: hierarchicalsharing`, 410 resyncRequired, `$expand=permissions` → 400 notSupported,
// effective permissions with `inheritedFrom`, DELETE only for non-inherited permissions.
import { randomUUID } from 'node:crypto';
import type { AccessTokenClaims, FakeEntra } from './entra';
import type { RuMeter } from './ru-meter';
import { FakePermission, FakeTenant, Grantee } from './tenant-model';

export interface GraphRequest {
  method: string;
  /** Path and query, e.g. `/v1.0/users?$top=5`. */
  url: string;
  headers: Record<string, string | undefined>;
  body?: unknown;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export interface GraphApiOptions {
  /** Serve /sites?search= and /sites/{id}/drives (SharePoint site drives). Default true. */
  sitesEnabled?: boolean;
  /**
   * Probability that a delta/children page comes back shorter than `$top` (Graph "may
   * ignore $top"). Default 0.2. Pages are never empty before the end.
   */
  shortPageRate?: number;
  /** Default page size when `$top` is absent. Default 200 (Graph's own default varies). */
  defaultPageSize?: number;
}

/** Forced failures for tests: the next `count` Graph requests (sub-requests included) fail. */
export interface InjectedFailure {
  count: number;
  status: 429 | 503;
  retryAfterSeconds?: number;
  /** Only requests whose path contains this string. */
  pathIncludes?: string;
  /**
   * The request is carried out first and only its answer fails (a 5xx or a dropped connection
   * after Graph applied a write): what a client's retry of a POST then meets.
   */
  afterApply?: boolean;
}

type Json = Record<string, unknown>;
const READ_FILES = ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.FullControl.All'];
const WRITE_FILES = ['Files.ReadWrite.All', 'Sites.FullControl.All'];
const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'];
const READ_ORG = ['Organization.Read.All', 'Directory.Read.All'];
const READ_EDU = ['EduRoster.Read.All', 'EduRoster.ReadBasic.All'];
const READ_GROUPS = ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All'];
const INSTALL_APPS = ['TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All'];

/** An Entra group of the fake tenant: users (by id) and nested groups (by id). */
export interface FakeGroup {
  id: string;
  displayName: string;
  memberUserIds: string[];
  memberGroupIds: string[];
}

function encodeToken(value: Json): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeToken(token: string | null): Json | undefined {
  if (!token) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

function graphError(status: number, code: string, message: string, extra: Record<string, string> = {}): GraphResponse {
  return {
    status,
    headers: extra,
    body: { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } },
  };
}

export class FakeGraphApi {
  private readonly options: Required<GraphApiOptions>;
  private failures: InjectedFailure[] = [];
  /** Every request the API saw: method, path and the status returned (tests assert on it). */
  readonly log: { at: number; app: string; method: string; path: string; status: number; cost: number; batched: boolean; prefer?: string; userAgent?: string }[] = [];
  /** Turn request logging off for very large runs (memory). */
  keepLog = true;
  /** Entra groups (for `/groups/{id}/transitiveMembers`); add with `addGroup`. */
  readonly groups = new Map<string, FakeGroup>();
  /** Teams apps installed per user: user id → (catalog app id → installation id). */
  readonly installedApps = new Map<string, Map<string, string>>();

  constructor(
    readonly tenant: FakeTenant,
    private readonly entra: FakeEntra,
    readonly meter: RuMeter,
    private readonly origin: () => string,
    options: GraphApiOptions = {},
  ) {
    this.options = { sitesEnabled: options.sitesEnabled ?? true, shortPageRate: options.shortPageRate ?? 0.2, defaultPageSize: options.defaultPageSize ?? 200 };
  }

  setSitesEnabled(enabled: boolean): void {
    this.options.sitesEnabled = enabled;
  }

  setShortPageRate(rate: number): void {
    this.options.shortPageRate = rate;
  }

  /** Adds (or replaces) a group; members may be users of the tenant or ids of other groups. */
  addGroup(group: { id: string; displayName: string; memberUserIds?: string[]; memberGroupIds?: string[] }): void {
    this.groups.set(group.id, { id: group.id, displayName: group.displayName, memberUserIds: group.memberUserIds ?? [], memberGroupIds: group.memberGroupIds ?? [] });
  }

  /** Whether a Teams app is installed for a user (tests assert proactive installation). */
  isAppInstalled(userId: string, teamsAppId: string): boolean {
    return this.installedApps.get(userId)?.has(teamsAppId) ?? false;
  }

  injectFailures(failure: InjectedFailure): void {
    this.failures.push({ ...failure });
  }

  clearFailures(): void {
    this.failures = [];
  }

  /** Authenticates, meters and dispatches one request. */
  handle(req: GraphRequest): GraphResponse {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/iu.exec(auth);
    if (!m) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const claims = this.entra.verifyAccessToken(m[1]!);
    if (typeof claims === 'string') return graphError(401, 'InvalidAuthenticationToken', claims);
    if (req.method === 'POST' && req.url.split('?')[0] === '/v1.0/$batch') return this.batch(req, claims);
    return this.single(req, claims);
  }

  private single(req: GraphRequest, claims: AccessTokenClaims, batched = false): GraphResponse {
    const url = new URL(req.url, 'https://graph.invalid');
    const path = decodeURIComponent(url.pathname);
    const cost = this.costOf(req.method, path, url.searchParams);
    const injected = this.takeFailure(path);
    if (injected?.afterApply) {
      try {
        this.route(req, url, path, claims);
      } catch {
        // Its answer is lost anyway.
      }
    }
    const decision = this.meter.charge(claims.appid, cost, injected !== undefined);
    let res: GraphResponse;
    if (decision.throttled) {
      const headers = { ...decision.headers };
      if (injected?.retryAfterSeconds !== undefined) headers['Retry-After'] = String(injected.retryAfterSeconds);
      res = injected?.status === 503
        ? graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', headers)
        : graphError(429, 'activityLimitReached', 'The request has been throttled', headers);
    } else {
      try {
        res = this.route(req, url, path, claims);
      } catch (err) {
        res = graphError(500, 'generalException', err instanceof Error ? err.message : String(err));
      }
      Object.assign(res.headers, decision.headers);
    }
    if (this.keepLog) this.log.push({ at: Date.now(), app: claims.appid, method: req.method, path: url.pathname + url.search, status: res.status, cost, batched, prefer: req.headers.prefer, userAgent: req.headers['user-agent'] });
    return res;
  }

  private takeFailure(path: string): InjectedFailure | undefined {
    const f = this.failures.find((x) => x.count > 0 && (!x.pathIncludes || path.includes(x.pathIncludes)));
    if (!f) return undefined;
    f.count--;
    if (f.count === 0) this.failures = this.failures.filter((x) => x.count > 0);
    return f;
  }

  /** Documented RU costs: 1 single GET or delta with a token, 2 multi-item or delta without, 5 any permission op. */
  costOf(method: string, path: string, query: URLSearchParams): number {
    if (/\/permissions(\/|$)/u.test(path) || (query.get('$expand') ?? '').includes('permissions')) return 5;
    if (/\/delta$/u.test(path)) return query.has('token') ? 1 : 2;
    if (method !== 'GET') return 2;
    if (/\/(children|drives)$/u.test(path) || /^\/v1\.0\/(users|sites|education\/users|organization)$/u.test(path)) return 2;
    return 1;
  }

  private batch(req: GraphRequest, claims: AccessTokenClaims): GraphResponse {
    const body = req.body as { requests?: unknown } | undefined;
    const requests = Array.isArray(body?.requests) ? (body!.requests as Json[]) : undefined;
    if (!requests || requests.length === 0) return graphError(400, 'BadRequest', 'Invalid batch payload format.');
    if (requests.length > 20) return graphError(400, 'BadRequest', 'Number of batch requests exceeds 20.');
    const ids = new Set<string>();
    const responses: Json[] = [];
    for (const r of requests) {
      const id = String(r.id ?? '');
      if (!id || ids.has(id)) return graphError(400, 'BadRequest', 'Batch request ids must be unique and non-empty.');
      ids.add(id);
      const rel = String(r.url ?? '');
      const headers: Record<string, string | undefined> = { authorization: req.headers.authorization };
      for (const [k, v] of Object.entries((r.headers as Json | undefined) ?? {})) headers[k.toLowerCase()] = String(v);
      const sub = this.single({ method: String(r.method ?? 'GET').toUpperCase(), url: `/v1.0${rel.startsWith('/') ? '' : '/'}${rel}`, headers, body: r.body }, claims, true);
      responses.push({ id, status: sub.status, headers: { 'Content-Type': 'application/json', ...sub.headers }, body: Buffer.isBuffer(sub.body) ? sub.body.toString('base64') : sub.body });
    }
    return { status: 200, headers: {}, body: { responses } };
  }

  private hasRole(claims: AccessTokenClaims, roles: string[]): boolean {
    return claims.roles.some((r) => roles.includes(r));
  }

  private denied(): GraphResponse {
    return graphError(403, 'accessDenied', 'Either scp or roles claim need to be present in the token with the required permission.');
  }

  private route(req: GraphRequest, url: URL, path: string, claims: AccessTokenClaims): GraphResponse {
    const q = url.searchParams;
    let seg = path.split('/').filter(Boolean).slice(1); // drop v1.0
    const expand = q.get('$expand') ?? '';
    const get = req.method === 'GET';

    if (get && seg.length === 1 && seg[0] === 'organization') {
      if (!this.hasRole(claims, READ_ORG)) return this.denied();
      return this.ok({ value: [{ id: this.tenant.tenantId, displayName: "St Mary's Primary School", verifiedDomains: [
        { name: this.tenant.domain, isDefault: true, isInitial: false, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnline' },
        { name: 'stmarys.onmicrosoft.com', isDefault: false, isInitial: true, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnline' },
      ] }] });
    }
    if (seg[0] === 'groups') return this.routeGroups(req, url, seg, claims);
    if (seg[0] === 'users' && seg[2] === 'teamwork' && seg[3] === 'installedApps') return this.routeInstalledApps(req, seg, claims);
    if (seg[0] === 'users') {
      if (!this.hasRole(claims, READ_USERS) && !(seg[2] === 'drive' && this.hasRole(claims, READ_FILES))) return this.denied();
      if (get && seg.length === 1) return this.usersPage(url, q);
      const found = seg[1] ? this.tenant.userById(seg[1]) : undefined;
      const user = found && !this.tenant.isUserDeleted(found.index) ? found : undefined;
      if (!user) return graphError(404, 'Request_ResourceNotFound', `Resource '${seg[1]}' does not exist or one of its queried reference-property objects are not present.`);
      if (get && seg.length === 2) return this.ok(this.select(this.userJson(user), q));
      if (seg[2] === 'drive') {
        if (user.drive < 0) return graphError(404, 'ResourceNotFound', "User's mysite not found.");
        if (get && seg.length === 3) return this.ok(this.select(this.driveJson(user.drive), q));
        // /users/{id}/drive/... addresses the user's OneDrive like /drives/{id}/... (documented).
        seg = ['drives', this.tenant.drives[user.drive]!.id, ...seg.slice(3)];
      }
    }
    if (seg[0] === 'education' && seg[1] === 'users' && seg.length === 2 && get) {
      if (!this.hasRole(claims, READ_EDU)) return this.denied();
      return this.educationUsersPage(url, q);
    }
    if (seg[0] === 'sites') {
      if (!this.options.sitesEnabled) return graphError(404, 'itemNotFound', 'The resource could not be found.');
      if (!this.hasRole(claims, READ_FILES)) return this.denied();
      if (get && seg.length === 1) {
        if (!q.has('search')) return graphError(400, 'invalidRequest', 'Listing sites requires the search parameter.');
        const term = (q.get('search') ?? '').replace(/^"|"$/gu, '').toLowerCase();
        const sites = this.tenant.sites.filter((s) => this.tenant.isSiteSearchable(s.index) && (term === '*' || term === '' || s.name.toLowerCase().includes(term) || s.displayName.toLowerCase().includes(term)));
        return this.ok({ value: sites.map((s) => this.select({ id: s.id, name: s.name, displayName: s.displayName, webUrl: s.webUrl }, q)) });
      }
      const site = this.tenant.sites.find((s) => s.id === seg[1] && !this.tenant.isSiteDeleted(s.index));
      if (!site) return graphError(404, 'itemNotFound', 'Requested site could not be found');
      if (get && seg.length === 3 && seg[2] === 'drives') return this.ok({ value: [this.select(this.driveJson(site.drive), q)] });
      if (get && seg.length === 3 && seg[2] === 'drive') return this.ok(this.select(this.driveJson(site.drive), q));
    }
    if (seg[0] === 'drives' && seg[1]) {
      if (!this.hasRole(claims, READ_FILES)) return this.denied();
      const drive = this.tenant.driveByIdOrIndex(seg[1]);
      if (!drive || this.tenant.isDriveDeleted(drive.index)) return graphError(404, 'itemNotFound', 'The resource could not be found.');
      if (get && seg.length === 2) return this.ok(this.select(this.driveJson(drive.index), q));
      // /drives/{d}/root/... and /drives/{d}/items/{i}/...
      let itemIndex: number;
      let rest: string[];
      if (seg[2] === 'root') {
        itemIndex = drive.root;
        rest = seg.slice(3);
      } else if (seg[2] === 'items' && seg[3]) {
        itemIndex = this.tenant.itemIndex(seg[3]);
        rest = seg.slice(4);
        if (itemIndex < 0 || this.tenant.driveIndexOf(itemIndex) !== drive.index || this.tenant.isDeleted(itemIndex)) return graphError(404, 'itemNotFound', 'The resource could not be found.');
      } else {
        return graphError(400, 'invalidRequest', 'Invalid request');
      }
      if (get && rest.length === 1 && rest[0] === 'delta') {
        if (itemIndex !== drive.root) return graphError(400, 'invalidRequest', 'Delta is only supported on the root of a drive.');
        // The service's own words (msgraph-sdk-go issue 899).
        if (expand.includes('permissions')) return graphError(400, 'notSupported', 'Permission is not supported in this item.');
        return this.delta(drive.index, url, q, req.headers);
      }
      if (get && rest.length === 1 && rest[0] === 'children') {
        if (expand.includes('permissions')) return graphError(400, 'notSupported', 'Permission is not supported in this item.');
        return this.children(drive.index, itemIndex, url, q, req.headers);
      }
      if (get && rest.length === 0) return this.ok(this.itemJson(itemIndex, this.selectSet(q), req.headers.prefer?.includes('hierarchicalsharing') ?? false));
      if (rest[0] === 'permissions') {
        if (get && rest.length === 1) return this.ok({ value: this.effectivePermissions(itemIndex).map((p) => this.select(p, q)) });
        if (req.method === 'DELETE' && rest.length === 2) return this.deletePermission(itemIndex, rest[1]!, claims);
      }
      if (get && rest.length === 1 && rest[0] === 'content') {
        if (this.tenant.isFolder(itemIndex)) return graphError(400, 'invalidRequest', 'Cannot download a folder.');
        // Graph answers /content with 302 to a pre-authenticated download URL.
        return { status: 302, headers: { Location: `${this.origin()}/_download/${drive.id}/${this.tenant.itemId(itemIndex)}?tempauth=${randomUUID()}` } };
      }
    }
    return graphError(400, 'BadRequest', `Resource not found for the segment '${seg.at(-1) ?? ''}'.`);
  }

  private ok(body: unknown, headers: Record<string, string> = {}): GraphResponse {
    return { status: 200, headers, body };
  }

  private selectSet(q: URLSearchParams): Set<string> | undefined {
    const s = q.get('$select');
    return s ? new Set(s.split(',').map((x) => x.trim()).filter(Boolean)) : undefined;
  }

  private select(obj: Json, q: URLSearchParams): Json {
    const fields = this.selectSet(q);
    if (!fields) return obj;
    const out: Json = {};
    for (const k of Object.keys(obj)) if (fields.has(k) || k === 'id' || k.startsWith('@odata')) out[k] = obj[k];
    return out;
  }

  private pageSize(q: URLSearchParams, max: number): number {
    const top = q.get('$top');
    const n = top === null ? this.options.defaultPageSize : Number(top);
    return Number.isInteger(n) && n > 0 ? Math.min(n, max) : this.options.defaultPageSize;
  }

  private nextUrl(url: URL, params: Record<string, string>): string {
    const next = new URL(this.origin() + url.pathname);
    for (const k of ['$select', '$top', '$filter']) {
      const v = url.searchParams.get(k);
      if (v !== null) next.searchParams.set(k, v);
    }
    for (const [k, v] of Object.entries(params)) next.searchParams.set(k, v);
    return next.toString();
  }

  // ---------------------------------------------------------------- directory

  private userJson(u: FakeTenant['users'][number]): Json {
    return { id: u.id, displayName: u.displayName, givenName: u.givenName, surname: u.surname, userPrincipalName: u.userPrincipalName, mail: u.mail, userType: u.userType, accountEnabled: true };
  }

  private usersPage(url: URL, q: URLSearchParams): GraphResponse {
    const size = this.pageSize(q, 999);
    const from = Number(decodeToken(q.get('$skiptoken'))?.o ?? 0);
    // Deleted users leave a short page, as Graph's own pages may be.
    const users = this.tenant.users.slice(from, from + size).filter((u) => !this.tenant.isUserDeleted(u.index));
    const body: Json = { '@odata.context': `${this.origin()}/v1.0/$metadata#users`, value: users.map((u) => this.select(this.userJson(u), q)) };
    if (from + size < this.tenant.users.length) body['@odata.nextLink'] = this.nextUrl(url, { $skiptoken: encodeToken({ o: from + size }) });
    return this.ok(body);
  }

  private educationUsersPage(url: URL, q: URLSearchParams): GraphResponse {
    const members = this.tenant.users.filter((u) => u.userType === 'Member' && !this.tenant.isUserDeleted(u.index));
    const size = this.pageSize(q, 999);
    const from = Number(decodeToken(q.get('$skiptoken'))?.o ?? 0);
    const value = members.slice(from, from + size).map((u) => this.select({
      id: u.id,
      displayName: u.displayName,
      givenName: u.givenName,
      surname: u.surname,
      mail: u.mail,
      userPrincipalName: u.userPrincipalName,
      primaryRole: u.role === 'teacher' ? 'teacher' : 'student',
      student: u.role === 'student' ? { grade: String(7 + (u.index % 5)), externalId: `SDS-${u.index}` } : null,
      accountEnabled: true,
    }, q));
    const body: Json = { '@odata.context': `${this.origin()}/v1.0/$metadata#education/users`, value };
    if (from + size < members.length) body['@odata.nextLink'] = this.nextUrl(url, { $skiptoken: encodeToken({ o: from + size }) });
    return this.ok(body);
  }

  private driveJson(d: number): Json {
    const drive = this.tenant.drives[d]!;
    const owner = drive.kind === 'user'
      ? { user: { id: this.tenant.users[drive.owner]!.id, displayName: this.tenant.users[drive.owner]!.displayName, email: this.tenant.users[drive.owner]!.mail } }
      : { group: { id: this.tenant.sites[drive.owner]!.id, displayName: this.tenant.sites[drive.owner]!.displayName } };
    return {
      id: drive.id,
      name: drive.kind === 'user' ? 'OneDrive' : 'Documents',
      driveType: drive.kind === 'user' ? 'business' : 'documentLibrary',
      webUrl: this.tenant.webUrlOf(drive.root),
      owner,
    };
  }

  // ---------------------------------------------------------------- groups and Teams app installation

  /** `GET /groups/{id}/transitiveMembers[/microsoft.graph.user]`: users of the group and its nested groups, paged. */
  private routeGroups(req: GraphRequest, url: URL, seg: string[], claims: AccessTokenClaims): GraphResponse {
    if (!this.hasRole(claims, READ_GROUPS)) return this.denied();
    const group = seg[1] ? this.groups.get(seg[1]) : undefined;
    if (!group) return graphError(404, 'Request_ResourceNotFound', `Resource '${seg[1] ?? ''}' does not exist or one of its queried reference-property objects are not present.`);
    if (req.method !== 'GET' || seg[2] !== 'transitiveMembers' || seg.length > 4 || (seg[3] !== undefined && seg[3] !== 'microsoft.graph.user')) return graphError(400, 'BadRequest', `Resource not found for the segment '${seg.at(-1) ?? ''}'.`);
    const usersOnly = seg[3] === 'microsoft.graph.user';
    // Transitive: every user reachable through nested groups, once; nested groups are members too.
    const seen = new Set<string>([group.id]);
    const out: Json[] = [];
    const userSeen = new Set<string>();
    const visit = (g: FakeGroup) => {
      for (const id of g.memberUserIds) {
        const u = this.tenant.userById(id);
        if (u && !userSeen.has(u.id)) {
          userSeen.add(u.id);
          out.push({ '@odata.type': '#microsoft.graph.user', ...this.userJson(u) });
        }
      }
      for (const id of g.memberGroupIds) {
        const nested = this.groups.get(id);
        if (!nested || seen.has(id)) continue;
        seen.add(id);
        if (!usersOnly) out.push({ '@odata.type': '#microsoft.graph.group', id: nested.id, displayName: nested.displayName });
        visit(nested);
      }
    };
    visit(group);
    const q = url.searchParams;
    const size = this.pageSize(q, 999);
    const from = Number(decodeToken(q.get('$skiptoken'))?.o ?? 0);
    const body: Json = { '@odata.context': `${this.origin()}/v1.0/$metadata#directoryObjects`, value: out.slice(from, from + size).map((o) => this.select(o, q)) };
    if (from + size < out.length) body['@odata.nextLink'] = this.nextUrl(url, { $skiptoken: encodeToken({ o: from + size }) });
    return this.ok(body);
  }

  /**
   * `POST /users/{id}/teamwork/installedApps` (201, or 409 when already installed),
   * `GET /users/{id}/teamwork/installedApps[?$expand=teamsApp]` and
   * `GET /users/{id}/teamwork/installedApps/{installationId}/chat` (the 1:1 chat with the bot).
   */
  private routeInstalledApps(req: GraphRequest, seg: string[], claims: AccessTokenClaims): GraphResponse {
    if (!this.hasRole(claims, INSTALL_APPS)) return this.denied();
    const user = seg[1] ? this.tenant.userById(seg[1]) : undefined;
    if (!user) return graphError(404, 'NotFound', `User '${seg[1] ?? ''}' was not found.`);
    const apps = this.installedApps.get(user.id) ?? new Map<string, string>();
    if (req.method === 'POST' && seg.length === 4) {
      const bind = String((req.body as Json | undefined)?.['teamsApp@odata.bind'] ?? '');
      const appId = /\/appCatalogs\/teamsApps\/([^/?]+)$/u.exec(bind)?.[1];
      if (!appId) return graphError(400, 'BadRequest', 'teamsApp@odata.bind must reference /appCatalogs/teamsApps/{id}.');
      if (apps.has(appId)) return graphError(409, 'Conflict', 'The app is already installed for this user.');
      apps.set(appId, Buffer.from(`${user.id}##${appId}`).toString('base64url'));
      this.installedApps.set(user.id, apps);
      return { status: 201, headers: {} };
    }
    if (req.method === 'GET' && seg.length === 4) {
      return this.ok({ value: [...apps].map(([appId, installationId]) => ({ id: installationId, teamsApp: { id: appId, externalId: null, displayName: 'Jigsaw', distributionMethod: 'organization' } })) });
    }
    if (req.method === 'GET' && seg.length === 6 && seg[5] === 'chat') {
      const installed = [...apps.values()].includes(seg[4] ?? '');
      if (!installed) return graphError(404, 'NotFound', 'The installation was not found.');
      return this.ok({ id: `19:${user.id}_bot@unq.gbl.spaces`, chatType: 'oneOnOne', topic: null });
    }
    return graphError(400, 'BadRequest', `Resource not found for the segment '${seg.at(-1) ?? ''}'.`);
  }

  // ---------------------------------------------------------------- drive items

  private sharedFacet(i: number, hierarchical: boolean): Json | undefined {
    const t = this.tenant;
    if (hierarchical) {
      // Documented: the root of a permission hierarchy that isn't shared gets an empty facet
      // "to establish the initial scope" — the drive root included.
      if (!t.hasUniquePermissions(i)) return t.isRoot(i) ? {} : undefined;
      const scope = t.ownLinkScope(i);
      return scope ? { scope } : {};
    }
    // Without the header Graph marks every shared item; here: any link on it or an ancestor.
    let best: string | undefined;
    for (let n = i; n >= 0; n = t.parentOf(n)) {
      const s = t.ownLinkScope(n);
      if (s === 'anonymous') return { scope: s };
      if (s === 'organization' || (s && !best)) best = s;
    }
    return best ? { scope: best } : undefined;
  }

  /** `inDelta`: OneDrive for Business delta omits cTag (create/modify) and cTag + name (delete). */
  itemJson(i: number, fields: Set<string> | undefined, hierarchical: boolean, inDelta = false): Json {
    const t = this.tenant;
    const drive = t.drives[t.driveIndexOf(i)]!;
    const want = (f: string) => !fields || fields.has(f);
    const out: Json = { id: t.itemId(i) };
    if (t.isDeleted(i)) {
      // Deleted items in delta carry little more than their id and the deleted facet.
      out.deleted = { state: 'deleted' };
      if (want('parentReference')) out.parentReference = { driveId: drive.id, driveType: drive.kind === 'user' ? 'business' : 'documentLibrary' };
      return out;
    }
    const version = t.versionOf(i);
    if (want('name')) out.name = t.nameOf(i);
    if (want('eTag')) out.eTag = `"{${t.itemId(i)}},${version}"`;
    if (want('cTag') && !inDelta) out.cTag = `"c:{${t.itemId(i)}},${version}"`;
    if (want('lastModifiedDateTime')) out.lastModifiedDateTime = t.lastModifiedOf(i);
    if (want('size')) out.size = t.sizeOf(i);
    if (want('webUrl')) out.webUrl = t.webUrlOf(i);
    if (want('parentReference')) {
      // Delta never returns parentReference.path (documented); the parent id is enough.
      const p = t.parentOf(i);
      out.parentReference = p >= 0 ? { driveId: drive.id, driveType: drive.kind === 'user' ? 'business' : 'documentLibrary', id: t.itemId(p) } : { driveId: drive.id, driveType: drive.kind === 'user' ? 'business' : 'documentLibrary' };
    }
    if (t.isRoot(i) && want('root')) out.root = {};
    if (t.isFolder(i)) {
      if (want('folder')) out.folder = { childCount: t.childCountOf(i) };
    } else if (want('file')) {
      out.file = { mimeType: t.mimeTypeOf(i), hashes: { quickXorHash: Buffer.from(`${t.itemId(i)}:${version}`).toString('base64') } };
    }
    if (want('shared')) {
      const shared = this.sharedFacet(i, hierarchical);
      if (shared) out.shared = shared;
    }
    return out;
  }

  private delta(d: number, url: URL, q: URLSearchParams, headers: Record<string, string | undefined>): GraphResponse {
    const t = this.tenant;
    const drive = t.drives[d]!;
    const hierarchical = headers.prefer?.toLowerCase().includes('hierarchicalsharing') ?? false;
    const fields = this.selectSet(q);
    const size = this.pageSize(q, 1000);
    const rawToken = q.get('token');
    const respHeaders: Record<string, string> = hierarchical ? { 'Preference-Applied': 'hierarchicalsharing' } : {};
    // Documented: 410 Gone with a resync error and a Location header holding a fresh enumeration link.
    const resync = () => graphError(410, 'resyncRequired', 'Resync required. Replace any local items with the server\'s version (including deletes) if you\'re sure that the service was up to date with your local changes when you last sync\'d. Upload any local changes that the server doesn\'t know about.', {
      Location: this.nextUrl(url, {}),
    });
    let state: Json;
    if (rawToken === 'latest') {
      // token=latest: an empty page with a deltaLink for "from now on" (documented).
      return this.ok({ value: [], '@odata.deltaLink': this.nextUrl(url, { token: encodeToken({ k: 'l', s: t.currentSeq }) }) }, respHeaders);
    } else if (rawToken) {
      const tok = decodeToken(rawToken);
      if (!tok || typeof tok.s !== 'number') return graphError(400, 'invalidRequest', 'Invalid delta token.');
      if (tok.s < drive.resyncBelow) {
        const r = resync();
        return { ...r, headers: { ...r.headers, ...respHeaders } };
      }
      state = tok.k === 'l' ? { k: 'c', s: tok.s, e: t.currentSeq, p: 0 } : tok;
    } else {
      state = { k: 'i', s: t.currentSeq, p: 0 };
    }
    let pageSize = size;
    const pos = Number(state.p);
    if (this.options.shortPageRate > 0 && t.chance(d * 7919 + pos, Number(state.s)) < this.options.shortPageRate) pageSize = Math.max(1, Math.floor(size * (0.3 + 0.5 * t.chance(pos, d))));
    const value: Json[] = [];
    let next = pos;
    if (state.k === 'i') {
      const length = t.driveLength(drive);
      while (next < length && value.length < pageSize) {
        const i = t.driveItemAt(drive, next++);
        if (!t.isDeleted(i)) value.push(this.itemJson(i, fields, hierarchical, true));
      }
      if (next < length) return this.ok({ value, '@odata.nextLink': this.nextUrl(url, { token: encodeToken({ ...state, p: next }) }) }, respHeaders);
    } else {
      const changed = t.changesBetween(drive, Number(state.s), Number(state.e));
      while (next < changed.length && value.length < pageSize) value.push(this.itemJson(changed[next++]!, fields, hierarchical, true));
      if (next < changed.length) return this.ok({ value, '@odata.nextLink': this.nextUrl(url, { token: encodeToken({ ...state, p: next }) }) }, respHeaders);
    }
    const upTo = state.k === 'i' ? Number(state.s) : Number(state.e);
    return this.ok({ value, '@odata.deltaLink': this.nextUrl(url, { token: encodeToken({ k: 'l', s: upTo }) }) }, respHeaders);
  }

  private children(d: number, parent: number, url: URL, q: URLSearchParams, headers: Record<string, string | undefined>): GraphResponse {
    // The naive walk's endpoint (kept for the benchmark's comparison); O(drive) per page is fine for a fake.
    const t = this.tenant;
    const drive = t.drives[d]!;
    const size = this.pageSize(q, 1000);
    const from = Number(decodeToken(q.get('$skiptoken'))?.o ?? 0);
    const kids: number[] = [];
    for (let p = 0; p < t.driveLength(drive); p++) {
      const i = t.driveItemAt(drive, p);
      if (t.parentOf(i) === parent && !t.isDeleted(i)) kids.push(i);
    }
    const hierarchical = headers.prefer?.toLowerCase().includes('hierarchicalsharing') ?? false;
    const body: Json = { value: kids.slice(from, from + size).map((i) => this.itemJson(i, this.selectSet(q), hierarchical)) };
    if (from + size < kids.length) body['@odata.nextLink'] = this.nextUrl(url, { $skiptoken: encodeToken({ o: from + size }) });
    return this.ok(body);
  }

  // ---------------------------------------------------------------- permissions

  private identity(g: Grantee): Json {
    if (g.kind === 'member') {
      const u = this.tenant.users[g.user]!;
      return { user: { id: u.id, displayName: u.displayName, email: u.mail }, siteUser: { displayName: u.displayName, email: u.mail, loginName: `i:0#.f|membership|${u.userPrincipalName}` } };
    }
    // Guests and outside recipients: no directory id on the link recipient, a #ext# login.
    return { user: { displayName: g.displayName, email: g.email }, siteUser: { displayName: g.displayName, email: g.email, loginName: `i:0#.f|membership|${g.email.replace('@', '_')}#ext#@${this.tenant.domain.replace(/\..*$/u, '')}.onmicrosoft.com` } };
  }

  private permissionJson(p: FakePermission, owner: number, i: number): Json {
    const t = this.tenant;
    const drive = t.drives[t.driveIndexOf(owner)]!;
    const out: Json = { id: p.id, roles: p.roles, shareId: `s!${p.id.slice(-8)}` };
    if (p.link) {
      out.link = { scope: p.link.scope, type: p.link.type, preventsDownload: p.link.type === 'blocksDownload', webUrl: `https://stmarys-my.sharepoint.com/:f:/g/${p.id.slice(-10)}` };
      out.hasPassword = p.hasPassword ?? false;
      out.grantedToIdentitiesV2 = p.grantees.map((g) => this.identity(g));
    } else if (p.grantees[0]) {
      out.grantedToV2 = this.identity(p.grantees[0]);
    }
    if (p.expiresAt) out.expirationDateTime = p.expiresAt;
    if (owner !== i) out.inheritedFrom = { driveId: drive.id, id: t.itemId(owner), path: `/drives/${drive.id}/root:${t.pathOf(owner)}` };
    return out;
  }

  /** Effective permissions of an item: its own, then each ancestor's (with inheritedFrom), then the owner's. */
  effectivePermissions(i: number): Json[] {
    const t = this.tenant;
    const out: Json[] = [];
    let root = i;
    for (let n = i; n >= 0; n = t.parentOf(n)) {
      for (const p of t.ownPermissions(n)) out.push(this.permissionJson(p, n, i));
      root = n;
    }
    const drive = t.drives[t.driveIndexOf(i)]!;
    const ownerIdentity = drive.kind === 'user'
      ? this.identity({ kind: 'member', user: drive.owner })
      : { group: { id: t.sites[drive.owner]!.id, displayName: `${t.sites[drive.owner]!.displayName} Owners` } };
    const ownerPerm: Json = { id: `b3duZXJ8${drive.index}`, roles: ['owner'], grantedToV2: ownerIdentity };
    if (root !== i) ownerPerm.inheritedFrom = { driveId: drive.id, id: t.itemId(root), path: `/drives/${drive.id}/root:` };
    out.push(ownerPerm);
    return out;
  }

  private deletePermission(i: number, permissionId: string, claims: AccessTokenClaims): GraphResponse {
    if (!this.hasRole(claims, WRITE_FILES)) return graphError(403, 'accessDenied', 'Access denied. You do not have permission to perform this action or access this resource.');
    const t = this.tenant;
    if (t.ownPermissions(i).some((p) => p.id === permissionId)) {
      t.removePermission(i, permissionId);
      return { status: 204, headers: {} };
    }
    const inherited = this.effectivePermissions(i).some((p) => p.id === permissionId);
    if (inherited) return graphError(400, 'invalidRequest', 'Only non-inherited permissions can be deleted; this permission is inherited (inheritedFrom is set).');
    return graphError(404, 'itemNotFound', 'The permission could not be found.');
  }
}
