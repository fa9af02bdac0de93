import type { Severity } from '../../domain/sharing/types';
import type { SharingAuditReport, SharingAuditReportFinding } from './report-json';

/** The one-screen summary (CLI) and the admins' summary card take the same counts. */
export interface AuditSummary {
  bySeverity: Record<Severity, number>;
  byScope: Record<'anonymous' | 'organization' | 'external', number>;
  pupilDataLikely: number;
  /** The most severe findings, for the screen or the card (the report is already ordered). */
  top: SharingAuditReportFinding[];
}

export function summariseReport(report: SharingAuditReport, topCount = 10): AuditSummary {
  const bySeverity: AuditSummary['bySeverity'] = { critical: 0, high: 0, medium: 0, low: 0 };
  const byScope: AuditSummary['byScope'] = { anonymous: 0, organization: 0, external: 0 };
  let pupilDataLikely = 0;
  for (const f of report.findings) {
    bySeverity[f.severity] += 1;
    byScope[f.exposure.scope] += 1;
    if (f.pupilData.likely) pupilDataLikely += 1;
  }
  return { bySeverity, byScope, pupilDataLikely, top: report.findings.slice(0, topCount) };
}
