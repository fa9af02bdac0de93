import type { Db } from '../../src/store/db';
import { createAuditRun, finishAuditRun } from '../../src/store/sharing-runs.repo';
import { upsertFindings } from '../../src/store/sharing-findings.repo';
import { findingIdFor, type Finding } from '../../src/domain/sharing/findings';

/** A completed sharing audit run with two open findings (one anonymous link to pupil data), for the tab's admin views. */
export async function seedSharingAudit(db: Db, tenantId: string, owner: { aadObjectId: string; name: string }): Promise<{ runId: string; findings: Finding[] }> {
  const runId = '5a5a5a5a-0000-4000-8000-000000000001';
  const started = new Date(Date.now() - 20 * 60_000);
  await createAuditRun(db, tenantId, runId, 'full', started);
  const finding = (itemId: string, name: string, path: string, scope: 'anonymous' | 'organization', pupilData: boolean, severity: Finding['severity']): Finding => ({
    id: findingIdFor(tenantId, 'drive-1', itemId),
    driveId: 'drive-1',
    itemId,
    name,
    path,
    webUrl: null,
    isFolder: false,
    exposure: { scope, linkType: scope === 'anonymous' ? 'edit' : 'view', permissionId: `perm-${itemId}`, viaItemId: itemId, expiresAt: null, hasPassword: false },
    exposedDescendants: 0,
    pupilData: { likely: pupilData, reasons: pupilData ? [{ kind: 'mis-header', reason: 'Columns UPN and DOB' }] : [] },
    severity,
    owner: { id: owner.aadObjectId, displayName: owner.name, email: null },
    exposureReason: scope === 'anonymous' ? 'Anyone with the link can edit' : 'Everyone in the school can view',
  });
  const findings = [
    finding('item-1', 'Year 6 SEN register.xlsx', '/Documents/SENCo/Year 6 SEN register.xlsx', 'anonymous', true, 'critical'),
    finding('item-2', 'Sports day rota.docx', '/Documents/PE/Sports day rota.docx', 'organization', false, 'low'),
  ];
  await upsertFindings(db, tenantId, runId, new Date(), findings);
  await finishAuditRun(db, tenantId, runId, { status: 'completed', finishedAt: new Date(), stats: { drives: 12, items: 48_210, sharingRoots: 311, resourceUnits: 2900 }, error: null });
  return { runId, findings };
}
