// Graph driveItem JSON → DriveItemRecord. One place knows Graph's field names for items.
import type { DriveItemRecord, SharedFacetRecord } from './types';

/**
 * The driveItem fields the audit needs; anything more is bytes over the wire for nothing.
 * No cTag: OneDrive for Business delta omits it; `file.hashes` stands in as content version.
 */
export const DRIVE_ITEM_SELECT = ['id', 'name', 'parentReference', 'file', 'folder', 'shared', 'size', 'deleted', 'webUrl', 'root'] as const;

interface GraphDriveItem {
  id?: string;
  name?: string;
  parentReference?: { id?: string; driveId?: string } | null;
  file?: { mimeType?: string; hashes?: { quickXorHash?: string; sha256Hash?: string } } | null;
  folder?: { childCount?: number } | null;
  root?: object | null;
  shared?: SharedFacetRecord | null;
  size?: number;
  deleted?: { state?: string } | null;
  webUrl?: string;
  cTag?: string;
  lastModifiedDateTime?: string;
}

export function toDriveItemRecord(raw: unknown, driveId: string): DriveItemRecord {
  const item = raw as GraphDriveItem;
  const isRoot = item.root !== undefined && item.root !== null;
  const record: DriveItemRecord = {
    id: String(item.id),
    driveId: item.parentReference?.driveId ?? driveId,
    parentId: isRoot ? null : item.parentReference?.id ?? null,
    name: item.name ?? '',
    isFolder: !!item.folder || isRoot,
    isRoot,
  };
  if (item.deleted) record.deleted = true;
  if (item.file?.mimeType !== undefined) record.mimeType = item.file.mimeType;
  if (item.size !== undefined) record.size = item.size;
  if (item.webUrl !== undefined) record.webUrl = item.webUrl;
  // Keep the facet exactly: `{}` (unique permissions, no links) differs from absent (inherits).
  if (item.shared) record.shared = { ...item.shared };
  const version = item.file?.hashes?.quickXorHash ?? item.file?.hashes?.sha256Hash ?? item.cTag;
  if (version !== undefined) record.contentVersion = version;
  if (item.lastModifiedDateTime !== undefined) record.lastModifiedDateTime = item.lastModifiedDateTime;
  return record;
}
