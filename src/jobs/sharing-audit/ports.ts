import type { DriveItemRecord, SharingPermission } from '../../domain/sharing/types';
import type { DriveInfo } from '../../store/sharing-drives.repo';

/**
 * What the sharing audit needs from Microsoft Graph, as small interfaces. The Graph edge
 * (`src/graph/`) implements them; tests use in-memory fakes. Nothing here names an SDK type.
 */

export type { DriveInfo };

/** One page of `/drives/{id}/root/delta`, flattened. */
export interface DeltaPage {
  items: DriveItemRecord[];
  /** Where to resume after this page (`@odata.nextLink`); null on the last page. */
  nextCursor: string | null;
  /** On the last page only (`@odata.deltaLink`): where the next incremental run starts. */
  deltaToken: string | null;
}

export interface DriveDeltaSource {
  /**
   * Every drive to audit: users' OneDrives (and, with the edge's flag, site document
   * libraries). `known` are drives from the store (an incremental run): the edge may skip
   * looking up a OneDrive it already knows for a user who is still listed.
   */
  listDrives(known?: readonly DriveInfo[]): AsyncIterable<DriveInfo>;
  /** Whether `listDrives` lists site document libraries (the admin asked for sites). */
  readonly includesSiteLibraries?: boolean;
  /**
   * Delta pages from `cursor`: null enumerates the whole drive; otherwise a stored
   * `nextCursor` (resume) or `deltaToken` (incremental). Throws `ResyncRequired` on 410.
   */
  pages(driveId: string, cursor: string | null): AsyncIterable<DeltaPage>;
}

/** Graph answered 410 `resyncRequired`: the drive's token is no good; enumerate it again from nothing. */
export class ResyncRequired extends Error {
  constructor(
    readonly driveId: string,
    message = `delta token for drive ${driveId} expired (410 resyncRequired)`,
  ) {
    super(message);
    this.name = 'ResyncRequired';
  }
}

/** The drive cannot be read at all (404/403: deprovisioned OneDrive, locked site): skip it, record it. */
export class DriveUnavailable extends Error {
  constructor(
    readonly driveId: string,
    message = `drive ${driveId} cannot be read`,
  ) {
    super(message);
    this.name = 'DriveUnavailable';
  }
}

/**
 * Graph answered 404 for the drive itself: it has been deleted (a leaver's OneDrive after its
 * retention period, a removed library). Unlike a locked drive, nothing in it is exposed any more.
 */
export class DriveGone extends DriveUnavailable {
  constructor(driveId: string) {
    super(driveId, `drive ${driveId} no longer exists (404)`);
    this.name = 'DriveGone';
  }
}

/**
 * Why a Graph call failed, as the person waiting needs to know it: `unreachable` (no answer, a
 * timeout, 5xx: try again in a moment), `busy` (Microsoft 365 is throttling the app, 429: try
 * again in a few minutes), `refused` (401/403, or Entra refusing the app's credential: IT must
 * fix a permission or credential), `not-found` (404/410: the file or link is gone), `error`
 * (anything else).
 */
export type GraphFailureKind = 'unreachable' | 'busy' | 'refused' | 'not-found' | 'error';

/** A Graph call that failed after its retries, with the kind of failure. */
export class GraphCallFailed extends Error {
  constructor(
    readonly kind: GraphFailureKind,
    /** The HTTP status, or null when there was no answer. */
    readonly httpStatus: number | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GraphCallFailed';
  }
}

/**
 * The audit app may not read the tenant's verified domains (/organization answered 403: no
 * Organization.Read.All). Without them no grant can be judged inside or outside the school.
 */
export class VerifiedDomainsRefused extends GraphCallFailed {
  constructor(httpStatus: number | null, options?: { cause?: unknown }) {
    super('refused', httpStatus, 'cannot read the verified domains (/organization answered 403): grant Organization.Read.All or set AUDIT_VERIFIED_DOMAINS', options);
    this.name = 'VerifiedDomainsRefused';
  }
}

export type PermissionResult =
  | { itemId: string; status: 'ok'; permissions: SharingPermission[] }
  /** The item is gone (404): it has no permissions any more. */
  | { itemId: string; status: 'not-found' }
  /** Retries exhausted: recorded as a failure, fetched again next run. */
  | { itemId: string; status: 'failed'; error: string; kind: GraphFailureKind; httpStatus: number | null };

export interface PermissionSource {
  /**
   * Effective permissions (`GET /drives/{d}/items/{i}/permissions`) of many sharing roots;
   * the edge sends them in `$batch` of up to 20, within the RU budget. One result per id.
   */
  listPermissions(driveId: string, itemIds: readonly string[]): Promise<PermissionResult[]>;
}

export interface ContentSource {
  /** At most `maxBytes` from the start of the file (a Range request); null when the file is gone. */
  readFirstBytes(driveId: string, itemId: string, maxBytes: number): Promise<Uint8Array | null>;
}

export interface PermissionRemover {
  /** `DELETE /drives/{d}/items/{i}/permissions/{p}` (needs Files.ReadWrite.All). Throws GraphCallFailed. */
  removePermission(driveId: string, itemId: string, permissionId: string): Promise<'removed' | 'not-found'>;
}

/** The Graph client's counters, read for the run's stats. */
export interface GraphUsageMeter {
  snapshot(): { graphRequests: number; resourceUnits: number; throttled: number };
}

export type AuditPhase = 'drives' | 'enumerate' | 'permissions' | 'analyse' | 'finish';

/** For the CLI's progress bar and the tab: counts only, never names. */
export interface AuditProgress {
  runId: string;
  phase: AuditPhase;
  driveId: string | null;
  drivesDone: number;
  drivesTotal: number;
  itemsEnumerated: number;
  rootsFetched: number;
  itemsAnalysed: number;
  graphRequests: number;
  resourceUnits: number;
  throttled: number;
  elapsedMs: number;
}
