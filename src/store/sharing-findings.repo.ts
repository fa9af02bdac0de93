import type { Finding } from '../domain/sharing/findings';
import type { EvidenceReason, ExposureScope, Owner, Severity } from '../domain/sharing/types';
import type { Db } from './db';
import { toIso } from './sharing-drives.repo';

/**
 * Findings and their lifecycle. A finding seen again keeps its id, first-seen time and
 * status, except that a link which comes back reopens a remediated or resolved finding, and
 * an accepted finding reopens when a different link exposes the item.
 */

export type FindingStatus = 'open' | 'remediated' | 'accepted' | 'resolved';

export interface StoredFinding extends Finding {
  status: FindingStatus;
  statusReason: string | null;
  statusBy: { id: string | null; name: string | null } | null;
  statusAt: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  firstSeenRunId: string;
  lastSeenRunId: string;
}

interface FindingRow {
  finding_id: string;
  drive_id: string;
  item_id: string;
  name: string;
  path: string;
  web_url: string | null;
  is_folder: boolean;
  scope: ExposureScope;
  link_type: string;
  permission_id: string;
  via_item_id: string;
  expires_at: Date | string | null;
  has_password: boolean;
  exposure_reason: string;
  exposed_descendants: number;
  pupil_data_likely: boolean;
  reasons: EvidenceReason[];
  severity: Severity;
  owner_id: string | null;
  owner_name: string | null;
  owner_email: string | null;
  status: FindingStatus;
  status_reason: string | null;
  status_by_id: string | null;
  status_by_name: string | null;
  status_at: Date | string | null;
  first_seen_at: Date | string;
  last_seen_at: Date | string;
  first_seen_run_id: string;
  last_seen_run_id: string;
}

const COLUMNS = `finding_id, drive_id, item_id, name, path, web_url, is_folder, scope, link_type, permission_id, via_item_id,
  expires_at, has_password, exposure_reason, exposed_descendants, pupil_data_likely, reasons, severity, owner_id, owner_name,
  owner_email, status, status_reason, status_by_id, status_by_name, status_at, first_seen_at, last_seen_at, first_seen_run_id,
  last_seen_run_id`;

// Most severe first, then by drive and path: the order reports and cards read in.
const ORDER = `CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, drive_id, path, finding_id`;

function toFinding(r: FindingRow): StoredFinding {
  return {
    id: r.finding_id,
    driveId: r.drive_id,
    itemId: r.item_id,
    name: r.name,
    path: r.path,
    webUrl: r.web_url,
    isFolder: r.is_folder,
    exposure: {
      scope: r.scope,
      linkType: r.link_type,
      permissionId: r.permission_id,
      viaItemId: r.via_item_id,
      expiresAt: toIso(r.expires_at),
      hasPassword: r.has_password,
    },
    exposureReason: r.exposure_reason,
    exposedDescendants: r.exposed_descendants,
    pupilData: { likely: r.pupil_data_likely, reasons: r.reasons },
    severity: r.severity,
    owner: { id: r.owner_id, displayName: r.owner_name, email: r.owner_email },
    status: r.status,
    statusReason: r.status_reason,
    statusBy: r.status_by_id || r.status_by_name ? { id: r.status_by_id, name: r.status_by_name } : null,
    statusAt: toIso(r.status_at),
    firstSeenAt: toIso(r.first_seen_at)!,
    lastSeenAt: toIso(r.last_seen_at)!,
    firstSeenRunId: r.first_seen_run_id,
    lastSeenRunId: r.last_seen_run_id,
  };
}

/** Records the findings a run saw (one statement per batch). */
export async function upsertFindings(db: Db, tenantId: string, runId: string, seenAt: Date, findings: readonly Finding[]): Promise<void> {
  if (findings.length === 0) return;
  const rows = findings.map((f) => ({
    finding_id: f.id,
    drive_id: f.driveId,
    item_id: f.itemId,
    name: f.name,
    path: f.path,
    web_url: f.webUrl,
    is_folder: f.isFolder,
    scope: f.exposure.scope,
    link_type: f.exposure.linkType,
    permission_id: f.exposure.permissionId,
    via_item_id: f.exposure.viaItemId,
    expires_at: f.exposure.expiresAt,
    has_password: f.exposure.hasPassword,
    exposure_reason: f.exposureReason,
    exposed_descendants: f.exposedDescendants,
    pupil_data_likely: f.pupilData.likely,
    reasons: f.pupilData.reasons,
    severity: f.severity,
    owner_id: f.owner.id,
    owner_name: f.owner.displayName,
    owner_email: f.owner.email,
  }));
  await db.query(
    `INSERT INTO findings (tenant_id, finding_id, drive_id, item_id, name, path, web_url, is_folder, scope, link_type, permission_id,
       via_item_id, expires_at, has_password, exposure_reason, exposed_descendants, pupil_data_likely, reasons, severity, owner_id,
       owner_name, owner_email, status, first_seen_at, last_seen_at, first_seen_run_id, last_seen_run_id)
     SELECT $1, r.finding_id, r.drive_id, r.item_id, r.name, r.path, r.web_url, r.is_folder, r.scope, r.link_type, r.permission_id,
       r.via_item_id, r.expires_at, r.has_password, r.exposure_reason, r.exposed_descendants, r.pupil_data_likely, r.reasons,
       r.severity, r.owner_id, r.owner_name, r.owner_email, 'open', $3, $3, $2, $2
     FROM jsonb_to_recordset($4::jsonb) AS r(finding_id text, drive_id text, item_id text, name text, path text, web_url text,
       is_folder boolean, scope text, link_type text, permission_id text, via_item_id text, expires_at timestamptz,
       has_password boolean, exposure_reason text, exposed_descendants integer, pupil_data_likely boolean, reasons jsonb,
       severity text, owner_id text, owner_name text, owner_email text)
     ON CONFLICT (tenant_id, finding_id) DO UPDATE SET
       name = excluded.name, path = excluded.path, web_url = excluded.web_url, is_folder = excluded.is_folder,
       scope = excluded.scope, link_type = excluded.link_type, permission_id = excluded.permission_id,
       via_item_id = excluded.via_item_id, expires_at = excluded.expires_at, has_password = excluded.has_password,
       exposure_reason = excluded.exposure_reason, exposed_descendants = excluded.exposed_descendants,
       pupil_data_likely = excluded.pupil_data_likely, reasons = excluded.reasons, severity = excluded.severity,
       owner_id = excluded.owner_id, owner_name = excluded.owner_name, owner_email = excluded.owner_email,
       last_seen_at = excluded.last_seen_at, last_seen_run_id = excluded.last_seen_run_id,
       status = CASE
         WHEN findings.status IN ('remediated', 'resolved') THEN 'open'
         WHEN findings.status = 'accepted' AND findings.permission_id <> excluded.permission_id THEN 'open'
         ELSE findings.status END,
       status_reason = CASE
         WHEN findings.status IN ('remediated', 'resolved') THEN 'exposed again'
         WHEN findings.status = 'accepted' AND findings.permission_id <> excluded.permission_id THEN 'exposed by another link'
         ELSE findings.status_reason END,
       status_at = CASE
         WHEN findings.status IN ('remediated', 'resolved')
           OR (findings.status = 'accepted' AND findings.permission_id <> excluded.permission_id) THEN excluded.last_seen_at
         ELSE findings.status_at END,
       -- Reopened by the audit, not by whoever remediated or accepted it before.
       status_by_id = CASE
         WHEN findings.status IN ('remediated', 'resolved')
           OR (findings.status = 'accepted' AND findings.permission_id <> excluded.permission_id) THEN NULL
         ELSE findings.status_by_id END,
       status_by_name = CASE
         WHEN findings.status IN ('remediated', 'resolved')
           OR (findings.status = 'accepted' AND findings.permission_id <> excluded.permission_id) THEN NULL
         ELSE findings.status_by_name END`,
    [tenantId, runId, seenAt.toISOString(), JSON.stringify(rows)],
  );
}

/** Findings on the drives a run audited that it no longer saw are resolved (someone fixed them). */
export async function resolveUnseenFindings(db: Db, tenantId: string, runId: string, driveIds: readonly string[], at: Date): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH resolved AS (
       UPDATE findings SET status = 'resolved', status_reason = 'no longer exposed', status_at = $3,
         status_by_id = NULL, status_by_name = NULL
       WHERE tenant_id = $1 AND status IN ('open', 'accepted') AND last_seen_run_id <> $2
         AND drive_id IN (SELECT jsonb_array_elements_text($4::jsonb))
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM resolved`,
    [tenantId, runId, at.toISOString(), JSON.stringify(driveIds)],
  );
  return rows[0]?.n ?? 0;
}

export async function listFindingsSeenInRun(db: Db, tenantId: string, runId: string): Promise<StoredFinding[]> {
  const rows = await db.query<FindingRow>(
    `SELECT ${COLUMNS} FROM findings WHERE tenant_id = $1 AND last_seen_run_id = $2 ORDER BY ${ORDER}`,
    [tenantId, runId],
  );
  return rows.map(toFinding);
}

export async function countFindingsSeenInRun(db: Db, tenantId: string, runId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND last_seen_run_id = $2`, [tenantId, runId]);
  return row?.n ?? 0;
}

export interface RunFindingsSummary {
  bySeverity: Record<Severity, number>;
  pupilDataLikely: number;
  /** The first `criticalShown` critical findings, in report order. */
  critical: StoredFinding[];
}

/**
 * Counts of a run's findings and its first critical ones, for the admins' summary card. Counted
 * in the store: the card is rendered on every card action, and a trust's run has tens of
 * thousands of findings, which the embedded store would read on the app's thread.
 */
export async function summariseFindingsSeenInRun(db: Db, tenantId: string, runId: string, criticalShown: number): Promise<RunFindingsSummary> {
  const [counts] = await db.query<Record<Severity | 'pupil_data_likely', number>>(
    `SELECT count(*) FILTER (WHERE severity = 'critical')::int AS critical, count(*) FILTER (WHERE severity = 'high')::int AS high,
       count(*) FILTER (WHERE severity = 'medium')::int AS medium, count(*) FILTER (WHERE severity = 'low')::int AS low,
       count(*) FILTER (WHERE pupil_data_likely)::int AS pupil_data_likely
     FROM findings WHERE tenant_id = $1 AND last_seen_run_id = $2`,
    [tenantId, runId],
  );
  const critical = await db.query<FindingRow>(
    `SELECT ${COLUMNS} FROM findings WHERE tenant_id = $1 AND last_seen_run_id = $2 AND severity = 'critical' ORDER BY ${ORDER} LIMIT $3`,
    [tenantId, runId, criticalShown],
  );
  return {
    bySeverity: { critical: counts?.critical ?? 0, high: counts?.high ?? 0, medium: counts?.medium ?? 0, low: counts?.low ?? 0 },
    pupilDataLikely: counts?.pupil_data_likely ?? 0,
    critical: critical.map(toFinding),
  };
}

export async function getFinding(db: Db, tenantId: string, findingId: string): Promise<StoredFinding | null> {
  const rows = await db.query<FindingRow>(`SELECT ${COLUMNS} FROM findings WHERE tenant_id = $1 AND finding_id = $2`, [tenantId, findingId]);
  return rows[0] ? toFinding(rows[0]) : null;
}

export async function listFindingsByStatus(db: Db, tenantId: string, status: FindingStatus, severity: Severity | null): Promise<StoredFinding[]> {
  const rows = await db.query<FindingRow>(
    `SELECT ${COLUMNS} FROM findings WHERE tenant_id = $1 AND status = $2 AND ($3::text IS NULL OR severity = $3) ORDER BY ${ORDER}`,
    [tenantId, status, severity],
  );
  return rows.map(toFinding);
}

/** A finding's id and owner: all "Notify owners" needs to group a trust's findings by owner. */
export interface FindingOwnerRef {
  id: string;
  itemId: string;
  owner: Owner;
}

/** Rows per statement when reading owners: the embedded store runs each on the app's thread. */
const OWNER_ROWS_PER_STATEMENT = 5_000;

/** Open findings (of the given severities, else all), ids and owners only, in id order, read a page at a time. */
export async function listOpenFindingOwners(db: Db, tenantId: string, severities: readonly Severity[] | null): Promise<FindingOwnerRef[]> {
  const all: FindingOwnerRef[] = [];
  for (let after = ''; ; ) {
    const rows = await db.query<{ finding_id: string; item_id: string; owner_id: string | null; owner_name: string | null; owner_email: string | null }>(
      `SELECT finding_id, item_id, owner_id, owner_name, owner_email FROM findings
       WHERE tenant_id = $1 AND finding_id > $2 AND status = 'open' AND ($3::text[] IS NULL OR severity = ANY($3::text[]))
       ORDER BY finding_id LIMIT $4`,
      [tenantId, after, severities, OWNER_ROWS_PER_STATEMENT],
    );
    for (const r of rows) all.push({ id: r.finding_id, itemId: r.item_id, owner: { id: r.owner_id, displayName: r.owner_name, email: r.owner_email } });
    if (rows.length < OWNER_ROWS_PER_STATEMENT) return all;
    after = rows[rows.length - 1]!.finding_id;
  }
}

export interface FindingFilter {
  status: FindingStatus;
  severity: Severity | null;
  pupilDataLikely: boolean | null;
  scope: ExposureScope | null;
}

/**
 * The first `limit` findings matching a filter, most severe first, and how many match in all
 * (the tab shows a page and says how many more there are; a trust has tens of thousands).
 */
export async function listFindingsPage(db: Db, tenantId: string, filter: FindingFilter, limit: number): Promise<{ findings: StoredFinding[]; total: number }> {
  const where = `tenant_id = $1 AND status = $2 AND ($3::text IS NULL OR severity = $3)
     AND ($4::boolean IS NULL OR pupil_data_likely = $4) AND ($5::text IS NULL OR scope = $5)`;
  const params = [tenantId, filter.status, filter.severity, filter.pupilDataLikely, filter.scope];
  const rows = await db.query<FindingRow>(`SELECT ${COLUMNS} FROM findings WHERE ${where} ORDER BY ${ORDER} LIMIT $6`, [...params, limit]);
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE ${where}`, params);
  return { findings: rows.map(toFinding), total: count?.n ?? 0 };
}

/** Open findings that a root's link exposes (the root's own and its descendants'). */
export async function listOpenFindingsViaRoot(db: Db, tenantId: string, driveId: string, rootItemId: string): Promise<StoredFinding[]> {
  const rows = await db.query<FindingRow>(
    `SELECT ${COLUMNS} FROM findings WHERE tenant_id = $1 AND drive_id = $2 AND via_item_id = $3 AND status IN ('open', 'accepted')
     ORDER BY ${ORDER}`,
    [tenantId, driveId, rootItemId],
  );
  return rows.map(toFinding);
}

export async function setFindingStatus(
  db: Db,
  tenantId: string,
  findingId: string,
  change: { status: FindingStatus; reason: string | null; byId: string | null; byName: string | null; at: Date },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE findings SET status = $3, status_reason = $4, status_by_id = $5, status_by_name = $6, status_at = $7
     WHERE tenant_id = $1 AND finding_id = $2 RETURNING finding_id`,
    [tenantId, findingId, change.status, change.reason, change.byId, change.byName, change.at.toISOString()],
  );
  return rows.length === 1;
}
