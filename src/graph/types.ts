/**
 * Plain data the Graph edge hands to the rest of Jigsaw. No msal or Graph SDK type leaves
 * `src/graph/`; these shapes are what callers (the sharing audit in `src/domain/sharing/`)
 * consume. They are deliberately structurally compatible with the domain's own types
 * (`DriveItemRecord`, `SharingPermission` in src/domain/sharing/types.ts): field names follow
 * Graph's driveItem and permission resources, so records pass across without mapping.
 */

/** Graph's `shared` facet as delta returns it. */
export interface SharedFacetRecord {
  /** Most permissive link on the item: anonymous | organization | users. Absent on `shared: {}`. */
  scope?: string | null;
  owner?: { user?: IdentityRecord | null } | null;
  sharedDateTime?: string | null;
}

/** A drive to audit: a user's OneDrive or (behind a flag) a SharePoint document library. */
export interface DriveRecord {
  id: string;
  kind: 'onedrive' | 'site';
  /** `business` or `documentLibrary`. */
  driveType: string | null;
  name: string | null;
  webUrl: string | null;
  /** The OneDrive's user, or null for a site library. */
  owner: { id: string | null; displayName: string | null; email: string | null } | null;
  /** For site libraries: the site's id and display name. */
  siteId?: string | null;
  siteName?: string | null;
}

/**
 * One record of a delta page, flattened. With `Prefer: hierarchicalsharing`:
 * - `shared` undefined/null → the item inherits its parent's permissions;
 * - `shared: {}` → unique permissions but no sharing links;
 * - `shared: { scope }` → a sharing root with links (most permissive scope).
 * A `deleted` record may carry no name (Graph sends id + deleted facet only).
 * Delta returns an item again when it is moved (parentId changes) or renamed; a moved
 * folder's descendants are NOT returned again — the caller's stored tree places them.
 */
export interface DriveItemRecord {
  id: string;
  driveId: string;
  /** null for the drive's root folder (and for deleted records, whose parent Graph may omit). */
  parentId: string | null;
  name: string;
  isFolder: boolean;
  isRoot: boolean;
  mimeType?: string | null;
  size?: number | null;
  webUrl?: string | null;
  deleted?: boolean;
  shared?: SharedFacetRecord | null;
  /** `file.hashes.quickXorHash` (cTag outside delta): changes with the content, so content evidence can be cached. */
  contentVersion?: string | null;
  lastModifiedDateTime?: string | null;
}

/** One page of a drive's delta feed. */
export interface DeltaPage {
  driveId: string;
  items: DriveItemRecord[];
  /** 0-based page number within this walk. */
  pageIndex: number;
  /** The link to resume from if the walk stops after this page (checkpoint it). */
  nextLink: string | null;
  /** Present on the last page only: store it and pass it to the next (incremental) walk. */
  deltaLink: string | null;
}

/** Graph identity (user, siteUser, group…). Guests look like `…#ext#@tenant.onmicrosoft.com`. */
export interface IdentityRecord {
  id?: string | null;
  displayName?: string | null;
  email?: string | null;
  loginName?: string | null;
  userPrincipalName?: string | null;
}

export interface IdentitySetRecord {
  user?: IdentityRecord | null;
  siteUser?: IdentityRecord | null;
  group?: IdentityRecord | null;
  siteGroup?: IdentityRecord | null;
  application?: IdentityRecord | null;
}

/**
 * A permission as Graph returns it from `/drives/{d}/items/{i}/permissions` (effective
 * permissions: inherited ones carry `inheritedFrom`). Fields are Graph's own; absent, null or
 * `0001-01-01T00:00:00Z` `expirationDateTime` means no expiry.
 */
export interface PermissionRecord {
  id: string;
  roles?: string[] | null;
  link?: { scope?: string | null; type?: string | null; webUrl?: string | null; preventsDownload?: boolean | null } | null;
  expirationDateTime?: string | null;
  hasPassword?: boolean | null;
  grantedToV2?: IdentitySetRecord | null;
  grantedToIdentitiesV2?: IdentitySetRecord[] | null;
  inheritedFrom?: { driveId?: string | null; id?: string | null; path?: string | null } | null;
}

/** The permissions of one item, or why they could not be read (recorded, not thrown). */
export type ItemPermissionsResult =
  | { driveId: string; itemId: string; ok: true; permissions: PermissionRecord[] }
  | { driveId: string; itemId: string; ok: false; status: number; code: string; message: string };

/** A user from `/education/users` (School Data Sync roster). */
export interface RosterPersonRecord {
  id: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  email: string | null;
  userPrincipalName: string | null;
  primaryRole: 'student' | 'teacher' | string;
}

/** The first bytes of a file (the audit reads at most 64 KB). */
export interface ContentSample {
  bytes: Buffer;
  /** Whole file size when the server says (Content-Range), else null. */
  totalSize: number | null;
  /** True when the file is longer than `bytes`. */
  truncated: boolean;
}

/** Counters exposed for progress bars, logs and the benchmark. */
export interface GraphCounters {
  /** HTTP requests sent (a `$batch` counts once here). */
  httpRequests: number;
  /** Graph requests, counting each `$batch` sub-request. */
  graphRequests: number;
  /** Resource units spent as the client estimates them (throttled requests count too). */
  resourceUnits: number;
  /** 429/503 responses received, sub-requests included. */
  throttled: number;
  /** Requests re-sent after throttling or a transient failure. */
  retries: number;
}
