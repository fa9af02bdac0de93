import type { StoredFinding } from '../../store/sharing-findings.repo';

/**
 * The findings as CSV (RFC 4180, CRLF, UTF-8 with a BOM so Excel opens names with accents
 * correctly). A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is
 * prefixed with an apostrophe: file names come from users.
 */
export const CSV_COLUMNS = [
  'id',
  'severity',
  'status',
  'scope',
  'link_type',
  'has_password',
  'expires_at',
  'path',
  'name',
  'is_folder',
  'web_url',
  'exposed_descendants',
  'pupil_data_likely',
  'reasons',
  'owner_name',
  'owner_email',
  'drive_id',
  'item_id',
  'via_item_id',
  'permission_id',
  'first_seen_at',
  'last_seen_at',
] as const;

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function buildSharingAuditCsv(findings: readonly StoredFinding[]): string {
  const rows = findings.map((f) =>
    [
      f.id,
      f.severity,
      f.status,
      f.exposure.scope,
      f.exposure.linkType,
      f.exposure.hasPassword,
      f.exposure.expiresAt,
      f.path,
      f.name,
      f.isFolder,
      f.webUrl,
      f.exposedDescendants,
      f.pupilData.likely,
      f.pupilData.reasons.map((r) => r.reason).join('; '),
      f.owner.displayName,
      f.owner.email,
      f.driveId,
      f.itemId,
      f.exposure.viaItemId,
      f.exposure.permissionId,
      f.firstSeenAt,
      f.lastSeenAt,
    ]
      .map(csvCell)
      .join(','),
  );
  return `\uFEFF${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
