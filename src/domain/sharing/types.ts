/**
 * Plain data of the sharing audit. Shapes follow Microsoft Graph's driveItem and permission
 * resources closely enough that the Graph edge maps them field by field, but no SDK type
 * crosses into the domain.
 */

/** Who can open an item through a sharing root. `none` is never stored: it means not exposed. */
export type ExposureScope = 'anonymous' | 'organization' | 'external';

export interface Identity {
  id?: string | null;
  displayName?: string | null;
  email?: string | null;
  /** SharePoint login name; guests look like `i:0#.f|membership|amelia_gmail.com#ext#@school.onmicrosoft.com`. */
  loginName?: string | null;
  userPrincipalName?: string | null;
}

/** Graph's `shared` facet. With `Prefer: hierarchicalsharing` it marks roots of permission hierarchies only. */
export interface SharedFacet {
  scope?: 'anonymous' | 'organization' | 'users' | string | null;
  owner?: { user?: Identity | null } | null;
  sharedDateTime?: string | null;
}

/** One record of a delta page, already flattened by the Graph edge. */
export interface DriveItemRecord {
  id: string;
  /** null for the drive's root folder. */
  parentId: string | null;
  name: string;
  isFolder: boolean;
  /** `file.mimeType`, when Graph sends it. */
  mimeType?: string | null;
  size?: number | null;
  webUrl?: string | null;
  /** `deleted` facet present. A deleted record may carry no name. */
  deleted?: boolean;
  /** null/undefined: no facet (inherits its parent's permissions); `{}`: unique permissions, no links. */
  shared?: SharedFacet | null;
  /** Changes when the content changes (cTag or `file.hashes`); lets cached content evidence be reused. */
  contentVersion?: string | null;
}

export interface SharingLink {
  scope?: 'anonymous' | 'organization' | 'users' | 'existingAccess' | string | null;
  type?: string | null;
  webUrl?: string | null;
  preventsDownload?: boolean | null;
}

export interface IdentitySet {
  user?: Identity | null;
  siteUser?: Identity | null;
  group?: Identity | null;
  siteGroup?: Identity | null;
  application?: Identity | null;
}

/** Graph's permission resource, the fields the audit reads. */
export interface SharingPermission {
  id: string;
  roles?: string[] | null;
  link?: SharingLink | null;
  /** Absent, null or `0001-01-01T00:00:00Z` means the link never expires. */
  expirationDateTime?: string | null;
  hasPassword?: boolean | null;
  /** A direct grant to one principal. */
  grantedToV2?: IdentitySet | null;
  /** The recipients of a link (specific-people links). */
  grantedToIdentitiesV2?: IdentitySet[] | null;
  /** Set on effective permissions that come from an ancestor. */
  inheritedFrom?: { driveId?: string | null; id?: string | null; path?: string | null } | null;
}

/** What one permission exposes, when it exposes anything. */
export interface PermissionExposure {
  scope: ExposureScope;
  permissionId: string;
  /** `link.type` (view, edit, blocksDownload, …), or `grant` for a direct grant to an outsider. */
  linkType: string;
  expiresAt: string | null;
  hasPassword: boolean;
  /** Graph marks it inherited from an ancestor: it cannot be removed here, only on that ancestor. */
  inherited: boolean;
  /** The item the permission is inherited from, when Graph names it. */
  inheritedFromItemId: string | null;
  /** Why this permission counts, in words an admin reads. */
  reason: string;
}

/** How an item is exposed: the winning permission and the sharing root it sits on. */
export interface ItemExposure extends PermissionExposure {
  itemId: string;
  /** The sharing root whose permission exposes the item (the item itself for a root). */
  viaItemId: string;
  /** Folder levels between the item and the root (0 for the root). */
  depth: number;
}

export interface RosterPupil {
  id: string;
  givenName: string;
  familyName: string;
  preferredName?: string | null;
}

export type EvidenceKind =
  | 'roster-name'
  | 'keyword'
  | 'mis-header'
  | 'upn'
  | 'image-named-pupil'
  /** On a sharing root: exposed items beneath it are likely pupil data. */
  | 'descendants'
  /** A note, not evidence: content could not be read. */
  | 'content-not-inspected';

export interface EvidenceReason {
  kind: EvidenceKind;
  reason: string;
}

export interface PupilDataEvidence {
  likely: boolean;
  reasons: EvidenceReason[];
}

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Owner {
  id: string | null;
  displayName: string | null;
  email: string | null;
}
