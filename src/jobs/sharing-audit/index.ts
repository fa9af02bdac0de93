export * from './ports';
export { runSharingAudit, runSharingAuditForReport, type SharingAuditOptions, type SharingAuditResult } from './run-sharing-audit';
export { remediateFindings, type RemediateOptions, type RemediationAction, type RemediationResult } from './remediate';
export { buildSharingAuditReport, serialiseSharingAuditReport, type SharingAuditReport, type SharingAuditReportFinding } from './report-json';
export { buildSharingAuditCsv, CSV_COLUMNS } from './report-csv';
export { summariseReport, type AuditSummary } from './audit-summary';
export { estimateRemainingMs, formatProgressLine } from './progress-line';
export { applyOwnerAnswer, prepareOwnerNotifications, type OwnerAnswerOutcome, type OwnerDigestToSend } from './owner-notifications';
