import type { ExposureScope, Severity } from '../../domain/sharing/types';
import type { StoredFinding } from '../../store/sharing-findings.repo';
import type { AuditRun } from '../../store/sharing-runs.repo';

/**
 * The sharing audit's JSON report: a stable contract (docs/sharing-audit.md). Fields are
 * only ever added, never renamed or removed; every key is always present (null when empty).
 */
export interface SharingAuditReport {
  tenantId: string;
  mode: 'full' | 'incremental';
  startedAt: string;
  finishedAt: string | null;
  stats: {
    drives: number;
    items: number;
    sharingRoots: number;
    graphRequests: number;
    resourceUnits: number;
    throttled: number;
    durationMs: number;
  };
  findings: SharingAuditReportFinding[];
}

export interface SharingAuditReportFinding {
  id: string;
  driveId: string;
  itemId: string;
  name: string;
  path: string;
  webUrl: string | null;
  isFolder: boolean;
  exposure: {
    scope: ExposureScope;
    linkType: string;
    permissionId: string;
    viaItemId: string;
    expiresAt: string | null;
    hasPassword: boolean;
  };
  exposedDescendants: number;
  pupilData: { likely: boolean; reasons: string[] };
  severity: Severity;
  owner: { id: string | null; displayName: string | null; email: string | null };
}

/** Builds the report from a run and the findings it saw, key by key (no stray fields leak out). */
export function buildSharingAuditReport(tenantId: string, run: AuditRun, findings: readonly StoredFinding[]): SharingAuditReport {
  const s = run.stats;
  return {
    tenantId,
    mode: run.mode,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    stats: {
      drives: s.drives ?? 0,
      items: s.items ?? 0,
      sharingRoots: s.sharingRoots ?? 0,
      graphRequests: s.graphRequests ?? 0,
      resourceUnits: s.resourceUnits ?? 0,
      throttled: s.throttled ?? 0,
      durationMs: s.durationMs ?? 0,
    },
    findings: findings.map((f) => ({
      id: f.id,
      driveId: f.driveId,
      itemId: f.itemId,
      name: f.name,
      path: f.path,
      webUrl: f.webUrl,
      isFolder: f.isFolder,
      exposure: {
        scope: f.exposure.scope,
        linkType: f.exposure.linkType,
        permissionId: f.exposure.permissionId,
        viaItemId: f.exposure.viaItemId,
        expiresAt: f.exposure.expiresAt,
        hasPassword: f.exposure.hasPassword,
      },
      exposedDescendants: f.exposedDescendants,
      pupilData: { likely: f.pupilData.likely, reasons: f.pupilData.reasons.map((r) => r.reason) },
      severity: f.severity,
      owner: { id: f.owner.id, displayName: f.owner.displayName, email: f.owner.email },
    })),
  };
}

export function serialiseSharingAuditReport(report: SharingAuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
