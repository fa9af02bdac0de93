import type { Db } from '../../src/store/db';
import { getDrive } from '../../src/store/sharing-drives.repo';
import { getFinding, setFindingStatus } from '../../src/store/sharing-findings.repo';
import { findRunningAuditRun, getAuditRun } from '../../src/store/sharing-runs.repo';
import { buildSharingAuditCsv, buildSharingAuditReport, DriveUnavailable, runSharingAuditForReport, type AuditProgress } from '../../src/jobs/sharing-audit';
import { createTestDb, storeKind } from '../support/test-db';
import { anyoneLink, FakeTenant, guestLink, organisationLink, peopleLink } from './sharing-audit-fakes';
import { buildXlsx } from './sharing-audit-xlsx';

const now = new Date('2026-11-22T06:00:00Z');
const roster = [
  { id: 'p1', givenName: 'Amelia', familyName: 'Okonkwo' },
  { id: 'p2', givenName: 'Zoë', familyName: 'Clarke' },
  { id: 'p3', givenName: 'Tom', familyName: 'Price' },
];
const verifiedDomains = ['school.org.uk', 'school.onmicrosoft.com'];

let db: Db;
let tenantSeq = 0;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

async function newTenantId(): Promise<string> {
  tenantSeq += 1;
  const tenantId = `tenant-${tenantSeq}`;
  await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'Hillside Primary')`, [tenantId]);
  return tenantId;
}

function audit(tenantId: string, fake: FakeTenant, mode: 'full' | 'incremental', extra: { onProgress?: (p: AuditProgress) => void; contentEvidence?: 'always' | 'when-needed' } = {}) {
  return runSharingAuditForReport({
    db,
    tenantId,
    mode,
    verifiedDomains,
    roster,
    delta: fake,
    permissions: fake,
    content: fake,
    usage: fake,
    now: () => now,
    permissionBatchSize: 2,
    analysisPageSize: 4,
    ...extra,
  });
}

/**
 *   root
 *   ├── Year 6/                 Anyone link (edit)
 *   │   ├── SEN register.xlsx   MIS headers + UPNs in the sheet
 *   │   ├── Amelia_Okonkwo.jpg  image named with a pupil
 *   │   ├── Trip letter.docx    nothing
 *   │   └── Maths/
 *   │       └── export.csv      valid UPN in content
 *   ├── Old.docx                expired Anyone link
 *   ├── class list 5B.csv       Anyone link with a password
 *   ├── ZOE CLARKE - notes.docx specific-people link to a guest (#EXT#)
 *   ├── Staff/                  organisation link
 *   │   ├── orders.csv          UPN look-alikes failing the check letter
 *   │   └── Menu.docx
 *   ├── Planning.docx           specific-people link to staff only
 *   └── Deleted share.docx      Anyone link, then deleted before the audit
 */
function buildSchool(): FakeTenant {
  const fake = new FakeTenant().addDrive('d1');
  fake
    .add('d1', { id: 'y6', name: 'Year 6', isFolder: true })
    .add('d1', { id: 'sen', parentId: 'y6', name: 'SEN register.xlsx', content: buildXlsx([['UPN', 'Legal Surname', 'Legal Forename', 'SEN'], ['A123456789012', 'Okonkwo', 'Amelia', 'K']]) })
    .add('d1', { id: 'photo', parentId: 'y6', name: 'Amelia_Okonkwo.jpg' })
    .add('d1', { id: 'trip', parentId: 'y6', name: 'Trip letter.docx' })
    .add('d1', { id: 'maths', parentId: 'y6', name: 'Maths', isFolder: true })
    .add('d1', { id: 'export', parentId: 'maths', name: 'export.csv', content: 'ref,score\nP820200112001,12\n' })
    .add('d1', { id: 'old', name: 'Old.docx' })
    .add('d1', { id: 'classlist', name: 'class list 5B.csv', content: 'Name,Group\n' })
    .add('d1', { id: 'zoe', name: 'ZOE CLARKE - notes.docx' })
    .add('d1', { id: 'staff', name: 'Staff', isFolder: true })
    .add('d1', { id: 'orders', parentId: 'staff', name: 'orders.csv', content: 'order\nB123456789012\nQ820200112001\n' })
    .add('d1', { id: 'menu', parentId: 'staff', name: 'Menu.docx' })
    .add('d1', { id: 'planning', name: 'Planning.docx' })
    .add('d1', { id: 'gone', name: 'Deleted share.docx' });
  fake
    .share('y6', anyoneLink({ id: 'link-y6', link: { scope: 'anonymous', type: 'edit' } }))
    .share('old', anyoneLink({ id: 'link-old', expirationDateTime: '2026-01-01T00:00:00Z' }))
    .share('classlist', anyoneLink({ id: 'link-classlist', hasPassword: true, expirationDateTime: '0001-01-01T00:00:00Z' }))
    .share('zoe', guestLink('i:0#.f|membership|mum_gmail.com#ext#@school.onmicrosoft.com'))
    .share('staff', organisationLink({ id: 'link-staff' }))
    .share('planning', peopleLink(['t.jones@school.org.uk', 'head@school.org.uk']))
    .share('gone', anyoneLink())
    .remove('gone');
  return fake;
}

const summary = (findings: Array<{ itemId: string; severity: string; exposure: { scope: string; viaItemId: string }; exposedDescendants: number }>) =>
  Object.fromEntries(findings.map((f) => [f.itemId, `${f.severity} ${f.exposure.scope} via ${f.exposure.viaItemId} (${f.exposedDescendants})`]));

describe(`sharing audit runner (${storeKind()})`, () => {
  it('with contentEvidence "always", reads every exposed CSV/XLSX/TXT file and adds its reasons, with the same findings and severities', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    const result = await audit(tenantId, fake, 'full', { contentEvidence: 'always' });
    expect([...fake.contentCalls].sort()).toEqual(['classlist', 'export', 'orders', 'sen']);
    expect(result.findings.find((f) => f.itemId === 'sen')!.pupilData.reasons.map((r) => r.kind)).toEqual(['keyword', 'mis-header', 'upn']);
    const lean = await audit(await newTenantId(), buildSchool(), 'full');
    expect(summary(result.findings)).toEqual(summary(lean.findings));
    expect([result.findingCount, lean.findingCount]).toEqual([result.findings.length, lean.findings.length]);
  });

  it('finds exposed pupil data in a full audit, fetching permissions for sharing roots only', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    const result = await audit(tenantId, fake, 'full');

    expect(summary(result.findings)).toEqual({
      // Anyone link on a folder: the folder, and each exposed item likely to be pupil data.
      y6: 'critical anonymous via y6 (5)',
      sen: 'critical anonymous via y6 (0)',
      photo: 'critical anonymous via y6 (0)',
      export: 'critical anonymous via y6 (0)',
      // Anyone link + a pupil-data keyword, lowered one step by the password.
      classlist: 'high anonymous via classlist (0)',
      // A guest link + a pupil's name.
      zoe: 'high external via zoe (0)',
      // An organisation link without evidence: orders.csv's UPN look-alikes are not evidence.
      staff: 'medium organization via staff (2)',
    });
    // Expired link, internal share, deleted item, unexposed items: no findings.
    for (const id of ['old', 'planning', 'gone', 'trip', 'maths', 'orders', 'menu']) expect(result.findings.some((f) => f.itemId === id)).toBe(false);

    // Permissions only for items with a non-empty shared facet.
    expect([...fake.permissionCalls].sort()).toEqual(['classlist', 'old', 'planning', 'staff', 'y6', 'zoe']);
    // Content read only for exposed CSV/XLSX/TXT files whose names say nothing (cheapest first):
    // "SEN register.xlsx" and "Class list.csv" are already evidence by name.
    expect([...fake.contentCalls].sort()).toEqual(['export', 'orders']);

    const sen = result.findings.find((f) => f.itemId === 'sen')!;
    expect(sen).toMatchObject({ path: '/Year 6/SEN register.xlsx', name: 'SEN register.xlsx', isFolder: false, owner: { email: 'sharer@school.org.uk' } });
    expect(sen.pupilData.reasons.map((r) => r.kind)).toEqual(['keyword']);
    expect(result.findings.find((f) => f.itemId === 'photo')!.pupilData.reasons.map((r) => r.kind)).toEqual(['roster-name', 'image-named-pupil']);
    expect(result.findings.find((f) => f.itemId === 'y6')!.pupilData.reasons.map((r) => r.reason)).toEqual(['3 exposed items inside are likely pupil data']);

    expect(result.run).toMatchObject({ status: 'completed', mode: 'full' });
    expect(result.run.stats).toMatchObject({ drives: 1, items: 14, sharingRoots: 6, graphRequests: fake.usage.graphRequests, resourceUnits: fake.usage.resourceUnits });
  });

  it('produces the JSON contract and a CSV', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    const result = await audit(tenantId, fake, 'full');
    const report = buildSharingAuditReport(tenantId, result.run, result.findings);
    expect(Object.keys(report)).toEqual(['tenantId', 'mode', 'startedAt', 'finishedAt', 'stats', 'findings']);
    expect(Object.keys(report.stats)).toEqual(['drives', 'items', 'sharingRoots', 'graphRequests', 'resourceUnits', 'throttled', 'durationMs']);
    const sen = report.findings.find((f) => f.itemId === 'sen')!;
    expect(Object.keys(sen)).toEqual(['id', 'driveId', 'itemId', 'name', 'path', 'webUrl', 'isFolder', 'exposure', 'exposedDescendants', 'pupilData', 'severity', 'owner']);
    expect(sen.exposure).toEqual({ scope: 'anonymous', linkType: 'edit', permissionId: 'link-y6', viaItemId: 'y6', expiresAt: null, hasPassword: false });
    expect(sen.pupilData.reasons.every((r) => typeof r === 'string')).toBe(true);
    expect(Object.keys(sen.owner)).toEqual(['id', 'displayName', 'email']);
    expect(report.findings[0].severity).toBe('critical');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);

    const csv = buildSharingAuditCsv(result.findings);
    const lines = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + result.findings.length);
    expect(lines[0]).toMatch(/^id,severity,status,scope,/);
  });

  it('updates exposure incrementally: links added and removed, moves, renames, deletions', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    const first = await audit(tenantId, fake, 'full');
    const senId = first.findings.find((f) => f.itemId === 'sen')!.id;
    fake.permissionCalls.length = 0;
    fake.contentCalls.length = 0;

    fake
      // Moved out of the shared folder: no longer exposed.
      .move('sen', 'd1-root')
      // Moved into the organisation-shared folder: exposed through it, with its cached evidence.
      .move('export', 'staff')
      // A new Anyone link on a medical file.
      .add('d1', { id: 'medical', name: 'Medical needs.docx' })
      .share('medical', anyoneLink({ id: 'link-medical' }))
      // The guest link removed.
      .unshare('zoe', fake.effectivePermissions('d1', 'zoe')![0].id)
      // Renamed to a pupil's name inside the shared folder.
      .rename('trip', 'Tom Price report.docx')
      // The Maths folder deleted (Graph reports the folder only).
      .remove('maths');
    const second = await audit(tenantId, fake, 'incremental');

    expect(summary(second.findings)).toEqual({
      y6: 'critical anonymous via y6 (2)',
      photo: 'critical anonymous via y6 (0)',
      trip: 'critical anonymous via y6 (0)',
      medical: 'critical anonymous via medical (0)',
      classlist: 'high anonymous via classlist (0)',
      export: 'high organization via staff (0)',
      staff: 'high organization via staff (3)',
    });
    // Only the roots that changed were fetched again; unchanged files were not read again.
    expect([...fake.permissionCalls].sort()).toEqual(['medical']);
    expect(fake.contentCalls).toEqual([]);
    expect(await getFinding(db, tenantId, senId)).toMatchObject({ status: 'resolved', statusReason: 'no longer exposed' });
    expect((await getFinding(db, tenantId, second.findings.find((f) => f.itemId === 'y6')!.id))?.firstSeenRunId).toBe(first.run.runId);
  });

  it('keeps an accepted finding accepted, and reopens a resolved one when the link comes back', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    const first = await audit(tenantId, fake, 'full');
    const staff = first.findings.find((f) => f.itemId === 'staff')!;
    await setFindingStatus(db, tenantId, staff.id, { status: 'accepted', reason: 'Staff-only folder, no pupil data', byId: 'admin-1', byName: 'Admin', at: now });
    fake.unshare('classlist', 'link-classlist');
    const second = await audit(tenantId, fake, 'incremental');
    expect(second.findings.find((f) => f.itemId === 'staff')).toMatchObject({ status: 'accepted', statusReason: 'Staff-only folder, no pupil data' });
    const classlistId = first.findings.find((f) => f.itemId === 'classlist')!.id;
    expect(await getFinding(db, tenantId, classlistId)).toMatchObject({ status: 'resolved' });
    fake.share('classlist', anyoneLink({ id: 'link-classlist-2' }));
    await audit(tenantId, fake, 'incremental');
    expect(await getFinding(db, tenantId, classlistId)).toMatchObject({ status: 'open', statusReason: 'exposed again', exposure: { permissionId: 'link-classlist-2' } });
  });

  it('reopens a remediated or accepted finding in the audit\'s name, not in the name of whoever acted on it before', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    const first = await audit(tenantId, fake, 'full');
    const classlistId = first.findings.find((f) => f.itemId === 'classlist')!.id;
    const staffId = first.findings.find((f) => f.itemId === 'staff')!.id;
    await setFindingStatus(db, tenantId, classlistId, { status: 'remediated', reason: 'sharing link removed', byId: 'admin-1', byName: 'Ms Admin', at: now });
    await setFindingStatus(db, tenantId, staffId, { status: 'accepted', reason: 'Staff only', byId: 'admin-1', byName: 'Ms Admin', at: now });
    fake.unshare('classlist', 'link-classlist').share('classlist', anyoneLink({ id: 'link-classlist-3' }));
    fake.unshare('staff', 'link-staff').share('staff', anyoneLink({ id: 'link-staff-2' }));
    await audit(tenantId, fake, 'incremental');
    expect(await getFinding(db, tenantId, classlistId)).toMatchObject({ status: 'open', statusReason: 'exposed again', statusBy: null });
    expect(await getFinding(db, tenantId, staffId)).toMatchObject({ status: 'open', statusReason: 'exposed by another link', statusBy: null });
  });

  it('restarts a drive cleanly when its delta token has expired (410)', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    await audit(tenantId, fake, 'full');
    fake.remove('classlist').expireTokens('d1');
    fake.permissionCalls.length = 0;
    const second = await audit(tenantId, fake, 'incremental');
    expect(second.findings.some((f) => f.itemId === 'classlist')).toBe(false);
    expect(second.findings.some((f) => f.itemId === 'sen')).toBe(true);
    const drive = await getDrive(db, tenantId, 'd1');
    expect(drive).toMatchObject({ resyncs: 1, fullScan: true, phase: 'done' });
    // The resync re-enumerated from nothing: every root's permissions fetched again.
    expect(fake.permissionCalls.length).toBe(5);
  });

  it('resumes an interrupted run from its checkpoints, with the same result', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    fake.failAfterPages = 2;
    await expect(audit(tenantId, fake, 'full')).rejects.toThrow('connection reset');
    const interrupted = await findRunningAuditRun(db, tenantId);
    expect(interrupted).toMatchObject({ status: 'running', mode: 'full' });
    expect(await getDrive(db, tenantId, 'd1')).toMatchObject({ phase: 'enumerate', resumeCursor: 'full:6', pagesDone: 2 });

    const progress: AuditProgress[] = [];
    const resumed = await audit(tenantId, fake, 'incremental', { onProgress: (p) => progress.push(p) });
    expect(resumed.resumedRun).toBe(true);
    expect(resumed.run).toMatchObject({ runId: interrupted!.runId, mode: 'full', status: 'completed', resumed: 1 });
    // It carried on from the stored cursor instead of starting again.
    expect(fake.cursorsUsed).toEqual([null, 'full:6']);
    const reference = await audit(await newTenantId(), buildSchool(), 'full');
    expect(summary(resumed.findings)).toEqual(summary(reference.findings));
    expect(progress.at(-1)).toMatchObject({ phase: 'finish', drivesDone: 1, drivesTotal: 1 });
  });

  it('loses no sharing root when its permissions cannot be fetched (throttled): it is fetched next run', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    fake.failingPermissionIds.add('zoe');
    const first = await audit(tenantId, fake, 'full');
    expect(first.findings.some((f) => f.itemId === 'zoe')).toBe(false);
    expect(first.run.failures).toEqual([{ driveId: 'd1', itemId: 'zoe', step: 'permissions', error: '429 retries exhausted' }]);
    expect((await getAuditRun(db, tenantId, first.run.runId))?.failures).toHaveLength(1);
    fake.failingPermissionIds.clear();
    fake.permissionCalls.length = 0;
    const second = await audit(tenantId, fake, 'incremental');
    expect(fake.permissionCalls).toEqual(['zoe']);
    expect(second.findings.find((f) => f.itemId === 'zoe')).toMatchObject({ severity: 'high' });
  });

  it('audits several drives and keeps tenants apart', async () => {
    const tenantA = await newTenantId();
    const tenantB = await newTenantId();
    const fake = buildSchool().addDrive('d2');
    fake.add('d2', { id: 'd2-file', name: 'EHCP Amelia Okonkwo.docx' }).share('d2-file', organisationLink());
    const a = await audit(tenantA, fake, 'full');
    const b = await audit(tenantB, new FakeTenant().addDrive('d9'), 'full');
    expect(a.run.stats.drives).toBe(2);
    expect(a.findings.find((f) => f.itemId === 'd2-file')).toMatchObject({ severity: 'high', owner: { email: 'sharer@school.org.uk' } });
    expect(b.findings).toEqual([]);
  });

  it('exposes the files of a folder moved under a shared folder, though delta returns only the folder', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool();
    fake.add('d1', { id: 'reports', name: 'Reports', isFolder: true }).add('d1', { id: 'tom', parentId: 'reports', name: 'Tom Price.docx' });
    const first = await audit(tenantId, fake, 'full');
    expect(first.findings.some((f) => f.itemId === 'tom')).toBe(false);
    fake.cursorsUsed.length = 0;
    fake.move('reports', 'y6');
    const second = await audit(tenantId, fake, 'incremental');
    expect(summary(second.findings.filter((f) => f.itemId === 'tom'))).toEqual({ tom: 'critical anonymous via y6 (0)' });
    expect(second.findings.find((f) => f.itemId === 'tom')!.path).toBe('/Year 6/Reports/Tom Price.docx');
    // Moved out again: no longer exposed.
    fake.move('reports', 'd1-root');
    const third = await audit(tenantId, fake, 'incremental');
    expect(third.findings.some((f) => f.itemId === 'tom')).toBe(false);
  });

  it('skips a drive that cannot be read, records it, and leaves its findings alone', async () => {
    const tenantId = await newTenantId();
    const fake = buildSchool().addDrive('d2');
    fake.add('d2', { id: 'd2-file', name: 'FSM list.docx' }).share('d2-file', organisationLink());
    const first = await audit(tenantId, fake, 'full');
    const d2Finding = first.findings.find((f) => f.itemId === 'd2-file')!;
    const pages = fake.pages.bind(fake);
    fake.pages = (driveId, cursor) => {
      if (driveId === 'd2') throw new DriveUnavailable('d2', 'drive d2 cannot be read (404)');
      return pages(driveId, cursor);
    };
    const second = await audit(tenantId, fake, 'incremental');
    expect(second.run.status).toBe('completed');
    expect(second.run.failures).toEqual([{ driveId: 'd2', itemId: null, step: 'drive', error: 'DriveUnavailable: drive d2 cannot be read (404)' }]);
    expect(second.run.stats.drives).toBe(1);
    expect(await getFinding(db, tenantId, d2Finding.id)).toMatchObject({ status: 'open' });
  });
});
