import type { DriveItemRecord, EvidenceReason, Owner, SharedFacet, SharingPermission } from '../domain/sharing/types';
import type { Db } from './db';

/**
 * Drives, their item trees and the permissions of their sharing roots. Large pages go in as
 * one JSON parameter expanded by `jsonb_to_recordset`, which PGlite and PostgreSQL both
 * accept and which costs one round trip per delta page.
 */

export type DrivePhase = 'enumerate' | 'permissions' | 'analyse' | 'done';

export interface DriveInfo {
  driveId: string;
  driveType: string;
  name: string | null;
  webUrl: string | null;
  owner: Owner;
}

export interface DriveState extends DriveInfo {
  deltaToken: string | null;
  resumeCursor: string | null;
  scanGeneration: number;
  fullScan: boolean;
  runId: string | null;
  phase: DrivePhase;
  pagesDone: number;
  resyncs: number;
  lastSyncedAt: string | null;
}

interface DriveRow {
  drive_id: string;
  drive_type: string;
  name: string | null;
  web_url: string | null;
  owner_id: string | null;
  owner_name: string | null;
  owner_email: string | null;
  delta_token: string | null;
  resume_cursor: string | null;
  scan_generation: string | number;
  full_scan: boolean;
  run_id: string | null;
  phase: DrivePhase;
  pages_done: number;
  resyncs: number;
  last_synced_at: Date | string | null;
}

export const toIso = (value: unknown): string | null =>
  value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();

function toDriveState(row: DriveRow): DriveState {
  return {
    driveId: row.drive_id,
    driveType: row.drive_type,
    name: row.name,
    webUrl: row.web_url,
    owner: { id: row.owner_id, displayName: row.owner_name, email: row.owner_email },
    deltaToken: row.delta_token,
    resumeCursor: row.resume_cursor,
    scanGeneration: Number(row.scan_generation),
    fullScan: row.full_scan,
    runId: row.run_id,
    phase: row.phase,
    pagesDone: row.pages_done,
    resyncs: row.resyncs,
    lastSyncedAt: toIso(row.last_synced_at),
  };
}

const DRIVE_COLUMNS = `drive_id, drive_type, name, web_url, owner_id, owner_name, owner_email, delta_token, resume_cursor,
  scan_generation, full_scan, run_id, phase, pages_done, resyncs, last_synced_at`;

export async function upsertDrive(db: Db, tenantId: string, drive: DriveInfo): Promise<void> {
  await db.query(
    `INSERT INTO drives (tenant_id, drive_id, drive_type, name, web_url, owner_id, owner_name, owner_email)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id, drive_id) DO UPDATE SET drive_type = excluded.drive_type, name = excluded.name,
       web_url = excluded.web_url, owner_id = excluded.owner_id, owner_name = excluded.owner_name,
       owner_email = excluded.owner_email, updated_at = now()`,
    [tenantId, drive.driveId, drive.driveType, drive.name, drive.webUrl, drive.owner.id, drive.owner.displayName, drive.owner.email],
  );
}

export async function getDrive(db: Db, tenantId: string, driveId: string): Promise<DriveState | null> {
  const rows = await db.query<DriveRow>(`SELECT ${DRIVE_COLUMNS} FROM drives WHERE tenant_id = $1 AND drive_id = $2`, [tenantId, driveId]);
  return rows[0] ? toDriveState(rows[0]) : null;
}

export async function listDrives(db: Db, tenantId: string): Promise<DriveState[]> {
  const rows = await db.query<DriveRow>(`SELECT ${DRIVE_COLUMNS} FROM drives WHERE tenant_id = $1 ORDER BY drive_id`, [tenantId]);
  return rows.map(toDriveState);
}

/**
 * Claims a drive for a run. A full scan starts a new generation (items it does not see are
 * swept at the end); an incremental one continues from the stored delta token.
 */
export async function startDriveScan(db: Db, tenantId: string, driveId: string, runId: string, full: boolean): Promise<DriveState> {
  const rows = await db.query<DriveRow>(
    `UPDATE drives SET run_id = $3, phase = 'enumerate', full_scan = $4,
       resume_cursor = CASE WHEN $4 THEN NULL ELSE delta_token END,
       scan_generation = scan_generation + CASE WHEN $4 THEN 1 ELSE 0 END,
       pages_done = 0, updated_at = now()
     WHERE tenant_id = $1 AND drive_id = $2
     RETURNING ${DRIVE_COLUMNS}`,
    [tenantId, driveId, runId, full],
  );
  return toDriveState(rows[0]);
}

/** After a 410 resyncRequired: the drive starts again from nothing, as a full scan. */
export async function restartDriveScan(db: Db, tenantId: string, driveId: string): Promise<DriveState> {
  const rows = await db.query<DriveRow>(
    `UPDATE drives SET phase = 'enumerate', full_scan = true, resume_cursor = NULL, delta_token = NULL,
       scan_generation = scan_generation + 1, pages_done = 0, resyncs = resyncs + 1, updated_at = now()
     WHERE tenant_id = $1 AND drive_id = $2
     RETURNING ${DRIVE_COLUMNS}`,
    [tenantId, driveId],
  );
  return toDriveState(rows[0]);
}

/** The checkpoint after each page: where the enumeration resumes. */
export async function saveDriveCursor(db: Db, tenantId: string, driveId: string, cursor: string | null): Promise<void> {
  await db.query(
    `UPDATE drives SET resume_cursor = $3, pages_done = pages_done + 1, updated_at = now() WHERE tenant_id = $1 AND drive_id = $2`,
    [tenantId, driveId, cursor],
  );
}

export async function finishDriveEnumeration(db: Db, tenantId: string, driveId: string, deltaToken: string): Promise<void> {
  await db.query(
    `UPDATE drives SET delta_token = $3, resume_cursor = NULL, phase = 'permissions', last_synced_at = now(), updated_at = now()
     WHERE tenant_id = $1 AND drive_id = $2`,
    [tenantId, driveId, deltaToken],
  );
}

export async function setDrivePhase(db: Db, tenantId: string, driveId: string, phase: DrivePhase): Promise<void> {
  await db.query(`UPDATE drives SET phase = $3, updated_at = now() WHERE tenant_id = $1 AND drive_id = $2`, [tenantId, driveId, phase]);
}

function extensionOf(name: string): string | null {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : null;
}

export function hasLinks(shared: SharedFacet | null | undefined): boolean {
  return !!shared && Object.values(shared).some((v) => v !== null && v !== undefined);
}

/**
 * Stores one delta page. A record with a non-empty `shared` facet marks its permissions for
 * (re)fetching; a deleted record keeps its last name and place. The last record of an item
 * in the page wins.
 */
export async function upsertDriveItems(db: Db, tenantId: string, driveId: string, generation: number, items: readonly DriveItemRecord[]): Promise<void> {
  if (items.length === 0) return;
  const latest = new Map<string, DriveItemRecord>();
  for (const item of items) latest.set(item.id, item);
  const rows = [...latest.values()].map((i) => ({
    item_id: i.id,
    parent_id: i.parentId,
    name: i.name ?? '',
    is_folder: i.isFolder,
    mime_type: i.mimeType ?? null,
    extension: i.isFolder ? null : extensionOf(i.name ?? ''),
    size: i.size ?? null,
    web_url: i.webUrl ?? null,
    shared: i.shared ?? null,
    has_links: !i.deleted && hasLinks(i.shared),
    deleted: i.deleted === true,
    content_version: i.contentVersion ?? null,
  }));
  await db.query(
    `INSERT INTO drive_items (tenant_id, drive_id, item_id, parent_id, name, is_folder, mime_type, extension, size, web_url,
       shared, has_links, deleted, content_version, permissions_stale, seen_generation)
     SELECT $1, $2, r.item_id, r.parent_id, r.name, r.is_folder, r.mime_type, r.extension, r.size, r.web_url,
       r.shared, r.has_links, r.deleted, r.content_version, r.has_links, $3
     FROM jsonb_to_recordset($4::jsonb) AS r(item_id text, parent_id text, name text, is_folder boolean, mime_type text,
       extension text, size bigint, web_url text, shared jsonb, has_links boolean, deleted boolean, content_version text)
     ON CONFLICT (tenant_id, drive_id, item_id) DO UPDATE SET
       parent_id = CASE WHEN excluded.deleted THEN drive_items.parent_id ELSE excluded.parent_id END,
       name = CASE WHEN excluded.deleted AND excluded.name = '' THEN drive_items.name ELSE excluded.name END,
       is_folder = CASE WHEN excluded.deleted THEN drive_items.is_folder ELSE excluded.is_folder END,
       mime_type = excluded.mime_type, extension = excluded.extension, size = excluded.size,
       web_url = COALESCE(excluded.web_url, drive_items.web_url), shared = excluded.shared,
       has_links = excluded.has_links, deleted = excluded.deleted, content_version = excluded.content_version,
       permissions_stale = excluded.has_links,
       content_evidence = CASE WHEN excluded.content_version IS DISTINCT FROM drive_items.content_version
                                 OR excluded.size IS DISTINCT FROM drive_items.size THEN NULL ELSE drive_items.content_evidence END,
       seen_generation = $3, updated_at = now()`,
    [tenantId, driveId, generation, JSON.stringify(rows)],
  );
}

/** A deleted folder takes its subtree with it (Graph need not list every child as deleted). */
export async function markSubtreesDeleted(db: Db, tenantId: string, driveId: string, itemIds: readonly string[]): Promise<number> {
  if (itemIds.length === 0) return 0;
  const rows = await db.query<{ n: number }>(
    `WITH RECURSIVE gone AS (
       SELECT d.item_id, 0 AS depth FROM drive_items d
       WHERE d.tenant_id = $1 AND d.drive_id = $2 AND d.item_id IN (SELECT jsonb_array_elements_text($3::jsonb))
       UNION ALL
       SELECT c.item_id, g.depth + 1 FROM gone g
       -- OFFSET 0: always the (tenant, drive, parent) index, whatever the statistics say.
       CROSS JOIN LATERAL (SELECT ch.item_id FROM drive_items ch
         WHERE ch.tenant_id = $1 AND ch.drive_id = $2 AND ch.parent_id = g.item_id AND NOT ch.deleted OFFSET 0) c
       WHERE g.depth < 256
     ), updated AS (
       UPDATE drive_items d SET deleted = true, has_links = false, permissions_stale = false, updated_at = now()
       FROM gone WHERE d.tenant_id = $1 AND d.drive_id = $2 AND d.item_id = gone.item_id AND NOT d.deleted
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM updated`,
    [tenantId, driveId, JSON.stringify(itemIds)],
  );
  return rows[0]?.n ?? 0;
}

/** After a full enumeration: whatever it did not see no longer exists. */
export async function sweepUnseenItems(db: Db, tenantId: string, driveId: string, generation: number): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH swept AS (DELETE FROM drive_items WHERE tenant_id = $1 AND drive_id = $2 AND seen_generation < $3 RETURNING 1)
     SELECT count(*)::int AS n FROM swept`,
    [tenantId, driveId, generation],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Refreshes the planner's statistics after a large load. PGlite has no autovacuum, and a
 * PostgreSQL server's may not have run yet: without them, joins against a freshly loaded
 * tree can be planned as scans of the whole drive. ANALYZE samples a fixed number of rows,
 * so it stays cheap however large the table grows; only the columns that queries filter or
 * join on, as the names, addresses and JSON cost most to analyse and no plan depends on
 * them (about a third less time at 400,000 items on PGlite, where it runs on the app's thread).
 */
export async function refreshTreeStatistics(db: Db): Promise<void> {
  await db.query('ANALYZE drive_items (tenant_id, drive_id, item_id, parent_id, is_folder, deleted, has_links, permissions_stale, seen_generation)');
}

/** Drops tombstones: deleted items have no exposure and no permissions to keep. */
export async function purgeDeletedItems(db: Db, tenantId: string, driveId: string): Promise<void> {
  await db.query(`DELETE FROM drive_items WHERE tenant_id = $1 AND drive_id = $2 AND deleted`, [tenantId, driveId]);
}

/** The next roots whose permissions must be fetched, in id order (keyset paging). */
export async function listStaleRoots(db: Db, tenantId: string, driveId: string, afterItemId: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ item_id: string }>(
    `SELECT item_id FROM drive_items
     WHERE tenant_id = $1 AND drive_id = $2 AND permissions_stale AND item_id > $3
     ORDER BY item_id LIMIT $4`,
    [tenantId, driveId, afterItemId, limit],
  );
  return rows.map((r) => r.item_id);
}

export async function deleteItemPermissions(db: Db, tenantId: string, driveId: string, itemIds: readonly string[]): Promise<void> {
  await db.query(
    `DELETE FROM sharing_permissions WHERE tenant_id = $1 AND drive_id = $2 AND item_id IN (SELECT jsonb_array_elements_text($3::jsonb))`,
    [tenantId, driveId, JSON.stringify(itemIds)],
  );
}

export async function insertItemPermissions(
  db: Db,
  tenantId: string,
  driveId: string,
  entries: ReadonlyArray<{ itemId: string; permissions: readonly SharingPermission[] }>,
): Promise<void> {
  const rows = entries.flatMap((e) =>
    e.permissions.map((p) => ({ item_id: e.itemId, permission_id: p.id, permission: p, inherited_from: p.inheritedFrom?.id ?? null })),
  );
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO sharing_permissions (tenant_id, drive_id, item_id, permission_id, permission, inherited_from)
     SELECT $1, $2, r.item_id, r.permission_id, r.permission, r.inherited_from
     FROM jsonb_to_recordset($3::jsonb) AS r(item_id text, permission_id text, permission jsonb, inherited_from text)
     ON CONFLICT (tenant_id, drive_id, item_id, permission_id) DO UPDATE SET permission = excluded.permission,
       inherited_from = excluded.inherited_from, fetched_at = now()`,
    [tenantId, driveId, JSON.stringify(rows)],
  );
}

export async function clearPermissionsStale(db: Db, tenantId: string, driveId: string, itemIds: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE drive_items SET permissions_stale = false
     WHERE tenant_id = $1 AND drive_id = $2 AND item_id IN (SELECT jsonb_array_elements_text($3::jsonb))`,
    [tenantId, driveId, JSON.stringify(itemIds)],
  );
}

/** Links removed or items gone: their permissions no longer expose anything. */
export async function deletePermissionsOfNonRoots(db: Db, tenantId: string, driveId: string): Promise<void> {
  await db.query(
    // A scalar subquery stays a per-row primary-key probe (NOT EXISTS could become a join
    // planned as a scan of the whole tree).
    `DELETE FROM sharing_permissions p WHERE p.tenant_id = $1 AND p.drive_id = $2
       AND NOT COALESCE((SELECT i.has_links FROM drive_items i WHERE i.tenant_id = $1 AND i.drive_id = $2 AND i.item_id = p.item_id), false)`,
    [tenantId, driveId],
  );
}

export interface RootPermissions {
  itemId: string;
  shared: SharedFacet | null;
  permissions: SharingPermission[];
}

/** Every live sharing root of a drive with its stored permissions (roots are ~1 % of items). */
export async function listRootPermissions(db: Db, tenantId: string, driveId: string): Promise<RootPermissions[]> {
  const rows = await db.query<{ item_id: string; shared: SharedFacet | null; permissions: SharingPermission[] | null }>(
    `SELECT i.item_id, i.shared,
       (SELECT jsonb_agg(p.permission ORDER BY p.permission_id) FROM sharing_permissions p
         WHERE p.tenant_id = $1 AND p.drive_id = $2 AND p.item_id = i.item_id) AS permissions
     FROM drive_items i
     WHERE i.tenant_id = $1 AND i.drive_id = $2 AND i.has_links AND NOT i.deleted
     ORDER BY i.item_id`,
    [tenantId, driveId],
  );
  return rows.map((r) => ({ itemId: r.item_id, shared: r.shared, permissions: r.permissions ?? [] }));
}

export async function countDriveItems(db: Db, tenantId: string, driveId: string): Promise<{ items: number; sharingRoots: number }> {
  const rows = await db.query<{ items: number; roots: number }>(
    `SELECT count(*)::int AS items, (count(*) FILTER (WHERE has_links))::int AS roots
     FROM drive_items WHERE tenant_id = $1 AND drive_id = $2 AND NOT deleted`,
    [tenantId, driveId],
  );
  return { items: rows[0]?.items ?? 0, sharingRoots: rows[0]?.roots ?? 0 };
}

export interface StoredItem {
  itemId: string;
  parentId: string | null;
  name: string;
  isFolder: boolean;
  deleted: boolean;
  hasLinks: boolean;
}

/** One item as stored (tests and remediation checks). */
export async function getDriveItem(db: Db, tenantId: string, driveId: string, itemId: string): Promise<StoredItem | null> {
  const rows = await db.query<{ item_id: string; parent_id: string | null; name: string; is_folder: boolean; deleted: boolean; has_links: boolean }>(
    `SELECT item_id, parent_id, name, is_folder, deleted, has_links FROM drive_items WHERE tenant_id = $1 AND drive_id = $2 AND item_id = $3`,
    [tenantId, driveId, itemId],
  );
  const r = rows[0];
  return r ? { itemId: r.item_id, parentId: r.parent_id, name: r.name, isFolder: r.is_folder, deleted: r.deleted, hasLinks: r.has_links } : null;
}

/** Paths from the drive root ("/Year 6/SEN register.xlsx") for a few items, walking up. */
export async function getItemPaths(db: Db, tenantId: string, driveId: string, itemIds: readonly string[]): Promise<Map<string, string>> {
  if (itemIds.length === 0) return new Map();
  const rows = await db.query<{ item_id: string; path: string }>(
    `WITH RECURSIVE up AS (
       SELECT i.item_id AS start_id, i.parent_id, i.name::text AS path, 0 AS depth FROM drive_items i
       WHERE i.tenant_id = $1 AND i.drive_id = $2 AND i.item_id IN (SELECT jsonb_array_elements_text($3::jsonb))
       UNION ALL
       SELECT up.start_id, p.parent_id, CASE WHEN p.parent_id IS NULL THEN up.path ELSE p.name || '/' || up.path END, up.depth + 1
       FROM up
       -- OFFSET 0: one primary-key probe per step, whatever the statistics say.
       CROSS JOIN LATERAL (SELECT pa.parent_id, pa.name FROM drive_items pa
         WHERE pa.tenant_id = $1 AND pa.drive_id = $2 AND pa.item_id = up.parent_id OFFSET 0) p
       WHERE up.depth < 256
     )
     SELECT start_id AS item_id, CASE WHEN depth = 0 THEN '/' ELSE '/' || path END AS path FROM up WHERE parent_id IS NULL`,
    [tenantId, driveId, JSON.stringify(itemIds)],
  );
  return new Map(rows.map((r) => [r.item_id, r.path]));
}

export async function saveContentEvidence(
  db: Db,
  tenantId: string,
  driveId: string,
  entries: ReadonlyArray<{ itemId: string; version: string | null; reasons: readonly EvidenceReason[] }>,
): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `UPDATE drive_items d SET content_evidence = r.reasons, content_evidence_version = r.version
     FROM jsonb_to_recordset($3::jsonb) AS r(item_id text, version text, reasons jsonb)
     WHERE d.tenant_id = $1 AND d.drive_id = $2 AND d.item_id = r.item_id`,
    [tenantId, driveId, JSON.stringify(entries.map((e) => ({ item_id: e.itemId, version: e.version, reasons: e.reasons })))],
  );
}

/**
 * OneDrives and libraries with findings still open or accepted. An owner deleted from Entra is no
 * longer listed by `/users`, but their OneDrive (and its links) lives on through OneDrive's
 * retention period: the audit keeps reading these drives until Graph says they are gone.
 */
export async function listDrivesWithUnresolvedFindings(db: Db, tenantId: string): Promise<DriveState[]> {
  const rows = await db.query<DriveRow>(
    `SELECT ${DRIVE_COLUMNS} FROM drives d
     WHERE d.tenant_id = $1
       AND EXISTS (SELECT 1 FROM findings f WHERE f.tenant_id = d.tenant_id AND f.drive_id = d.drive_id AND f.status IN ('open', 'accepted'))
     ORDER BY drive_id`,
    [tenantId],
  );
  return rows.map(toDriveState);
}

/**
 * A drive Graph says no longer exists (404): its open and accepted findings are resolved, saying
 * why, and its stored tree is forgotten. The tree holds file names (often pupils' names) that
 * serve no purpose once the files are gone; findings, remediations and owners' answers stay as
 * the record. Returns how many findings were resolved.
 */
export async function forgetGoneDrive(db: Db, tenantId: string, driveId: string, at: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const [resolved] = await tx.query<{ n: number }>(
      `WITH r AS (
         UPDATE findings SET status = 'resolved', status_reason = 'the drive no longer exists', status_at = $3,
           status_by_id = NULL, status_by_name = NULL
         WHERE tenant_id = $1 AND drive_id = $2 AND status IN ('open', 'accepted')
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM r`,
      [tenantId, driveId, at.toISOString()],
    );
    for (const table of ['item_exposures', 'root_exposures', 'sharing_permissions', 'drive_items', 'drives']) {
      await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND drive_id = $2`, [tenantId, driveId]);
    }
    return resolved?.n ?? 0;
  });
}
