import type { AuditSummaryView, CardMessage, OwnerDigestView } from '../../cards/sharing-audit-cards';
import { formatLocal } from '../../domain/clock';
import { severityRank } from '../../domain/sharing/severity';
import type { Db } from '../../store/db';
import { getFinding, summariseFindingsSeenInRun } from '../../store/sharing-findings.repo';
import { listNotificationFindings } from '../../store/sharing-remediations.repo';
import { getAuditRun } from '../../store/sharing-runs.repo';
import { getTenant } from '../../store/tenant.repo';

/**
 * The view models of the audit's Teams cards, read from the store as it is now: the outbox
 * renders them at send time and card actions re-render them after a change, so a card always
 * shows current statuses.
 */

export const SUMMARY_CRITICAL_SHOWN = 5;
export const DIGEST_FILES_SHOWN = 10;

export async function loadAuditSummaryView(
  db: Db,
  tenantId: string,
  runId: string,
  options: { remediationEnabled: boolean; ownersNotified?: AuditSummaryView['ownersNotified']; message?: CardMessage | null },
): Promise<AuditSummaryView | null> {
  const run = await getAuditRun(db, tenantId, runId);
  if (!run) return null;
  const timeZone = (await getTenant(db, tenantId))?.timeZone ?? 'Europe/London';
  const { bySeverity, pupilDataLikely, critical } = await summariseFindingsSeenInRun(db, tenantId, runId, SUMMARY_CRITICAL_SHOWN);
  return {
    runId,
    mode: run.mode,
    finishedAt: run.finishedAt ? formatLocal(new Date(run.finishedAt), timeZone) : null,
    stats: {
      drives: run.stats.drives ?? 0,
      items: run.stats.items ?? 0,
      sharingRoots: run.stats.sharingRoots ?? 0,
      resourceUnits: run.stats.resourceUnits ?? 0,
      throttled: run.stats.throttled ?? 0,
    },
    bySeverity,
    pupilDataLikely,
    critical: critical.map((f) => ({ findingId: f.id, name: f.name, scope: f.exposure.scope, status: f.status })),
    moreCritical: Math.max(0, bySeverity.critical - critical.length),
    remediationEnabled: options.remediationEnabled,
    ownersNotified: options.ownersNotified ?? null,
    message: options.message ?? null,
  };
}

/** An owner's digest; `ownerId` (from the validated Teams identity) limits it to that owner's rows. */
export async function loadOwnerDigestView(
  db: Db,
  tenantId: string,
  notificationId: string,
  options: { remediationEnabled: boolean; ownerId?: string; message?: CardMessage | null },
): Promise<OwnerDigestView | null> {
  const rows = (await listNotificationFindings(db, tenantId, notificationId)).filter((r) => options.ownerId === undefined || r.ownerId === options.ownerId);
  if (rows.length === 0) return null;
  const files: OwnerDigestView['files'] = [];
  for (const row of rows) {
    const f = await getFinding(db, tenantId, row.findingId);
    if (!f) continue;
    files.push({
      findingId: f.id,
      name: f.name,
      scope: f.exposure.scope,
      severity: f.severity,
      pupilDataLikely: f.pupilData.likely,
      status: f.status,
      answer: row.response ? { response: row.response, reason: row.responseReason } : null,
    });
  }
  files.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.name.localeCompare(b.name));
  return {
    notificationId,
    files: files.slice(0, DIGEST_FILES_SHOWN),
    more: Math.max(0, files.length - DIGEST_FILES_SHOWN),
    remediationEnabled: options.remediationEnabled,
    message: options.message ?? null,
  };
}
