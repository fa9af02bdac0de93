import { findingIdFor, sortFindings, type Finding } from '../../src/domain/sharing/findings';
import type { Severity } from '../../src/domain/sharing/types';
import { loadAuditSummaryView, SUMMARY_CRITICAL_SHOWN } from '../../src/jobs/sharing-audit/notice-views';
import type { Db } from '../../src/store/db';
import { setFindingStatus, upsertFindings } from '../../src/store/sharing-findings.repo';
import { createAuditRun, finishAuditRun } from '../../src/store/sharing-runs.repo';
import { createTestDb, storeKind } from '../support/test-db';

const tenantId = 'summary-tenant';
const earlier = new Date('2026-11-21T06:00:00Z');
const now = new Date('2026-11-22T06:00:00Z');
let db: Db;

beforeAll(async () => {
  db = await createTestDb();
  await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'Hillside Primary')`, [tenantId]);
});
afterAll(() => db.close());

function finding(n: number, severity: Severity, pupilData: boolean): Finding {
  const itemId = `item-${n}`;
  // Paths out of id order, so the card's order can only come from the report's order.
  const path = `/Documents/${String.fromCharCode(122 - (n % 26))}-${n}.xlsx`;
  return {
    id: findingIdFor(tenantId, `drive-${n % 3}`, itemId),
    driveId: `drive-${n % 3}`,
    itemId,
    name: path.slice(11),
    path,
    webUrl: null,
    isFolder: false,
    exposure: { scope: severity === 'critical' ? 'anonymous' : 'organization', linkType: 'view', permissionId: `perm-${n}`, viaItemId: itemId, expiresAt: null, hasPassword: false },
    exposedDescendants: 0,
    pupilData: { likely: pupilData, reasons: pupilData ? [{ kind: 'mis-header', reason: 'Columns UPN and DOB' }] : [] },
    severity,
    owner: { id: 'owner-1', displayName: 'A Teacher', email: null },
    exposureReason: 'r',
  };
}

describe(`the admins' summary card view (${storeKind()})`, () => {
  it("counts the run's findings and lists its first critical ones in report order, leaving out findings the run did not see", async () => {
    const severities: Severity[] = ['critical', 'high', 'medium', 'low'];
    const all = Array.from({ length: 40 }, (_, n) => finding(n, severities[n % 7 === 0 ? 1 : n % 3 === 0 ? 0 : (n % 4) as 0 | 1 | 2 | 3], n % 5 !== 0));
    const seen = all.slice(0, 30);
    const notSeen = all.slice(30);
    await createAuditRun(db, tenantId, 'run-1', 'full', earlier);
    await upsertFindings(db, tenantId, 'run-1', earlier, all);
    await finishAuditRun(db, tenantId, 'run-1', { status: 'completed', finishedAt: earlier, stats: { drives: 3, items: 500 }, error: null });
    await createAuditRun(db, tenantId, 'run-2', 'incremental', now);
    await upsertFindings(db, tenantId, 'run-2', now, seen);
    await finishAuditRun(db, tenantId, 'run-2', { status: 'completed', finishedAt: now, stats: { drives: 3, items: 510 }, error: null });
    await setFindingStatus(db, tenantId, sortFindings(seen.filter((f) => f.severity === 'critical'))[0]!.id, { status: 'accepted', reason: 'Shared with the trust on purpose', byId: 'admin-1', byName: 'Admin', at: now });

    const view = await loadAuditSummaryView(db, tenantId, 'run-2', { remediationEnabled: true });

    const count = (list: Finding[], severity: Severity) => list.filter((f) => f.severity === severity).length;
    expect(view?.bySeverity).toEqual({ critical: count(seen, 'critical'), high: count(seen, 'high'), medium: count(seen, 'medium'), low: count(seen, 'low') });
    expect(view?.pupilDataLikely).toBe(seen.filter((f) => f.pupilData.likely).length);
    const critical = sortFindings(seen.filter((f) => f.severity === 'critical'));
    expect(critical.length).toBeGreaterThan(SUMMARY_CRITICAL_SHOWN);
    expect(count(notSeen, 'critical')).toBeGreaterThan(0);
    expect(view?.critical).toEqual(
      critical.slice(0, SUMMARY_CRITICAL_SHOWN).map((f, i) => ({ findingId: f.id, name: f.name, scope: 'anonymous', status: i === 0 ? 'accepted' : 'open' })),
    );
    expect(view?.moreCritical).toBe(critical.length - SUMMARY_CRITICAL_SHOWN);
  });

  it('shows an empty run as nothing found', async () => {
    await createAuditRun(db, tenantId, 'run-empty', 'full', now);
    await finishAuditRun(db, tenantId, 'run-empty', { status: 'completed', finishedAt: now, stats: { drives: 1, items: 10 }, error: null });
    const view = await loadAuditSummaryView(db, tenantId, 'run-empty', { remediationEnabled: false });
    expect(view).toMatchObject({ bySeverity: { critical: 0, high: 0, medium: 0, low: 0 }, pupilDataLikely: 0, critical: [], moreCritical: 0 });
  });
});
