// Drives that drop out of the listing, through the real Graph edge against the fake tenant.
// Deleting a user from Entra takes them out of /users, but their OneDrive, and every link on it,
// lives on through OneDrive's retention period; a site set not to appear in search results drops
// out of /sites?search= with its library and links intact. The audit must keep reading such a
// drive while it has open findings, and close those findings only when Graph says the drive
// itself is gone.
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { connectToFake, type Connection } from '../fakes/graph-tenant/connect';
import { runSharingAuditForReport } from '../../src/jobs/sharing-audit';
import { getVerifiedDomains } from '../../src/graph/organization';
import { createSharingAuditGraph } from '../../src/graph/sharing-audit-adapter';
import type { Db } from '../../src/store/db';
import { createTestDb, storeKind } from '../support/test-db';

const NOW = new Date('2026-11-22T06:00:00Z');

describe(`sharing audit: a leaver's OneDrive (${storeKind()})`, () => {
  let fake: FakeGraphTenant;
  let c: Connection;
  let db: Db;

  beforeAll(async () => {
    fake = await startFakeGraphTenant({ tenant: { seed: 33, items: 600, staff: 3, pupils: 4, sites: 0, sharingRootShare: 0.08 }, ru: { limit: 100_000 }, apps: [DEFAULT_APP] });
    c = connectToFake(fake, { budget: { ruPerMinute: 100_000 } });
    db = await createTestDb();
    await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'St Mary''s')`, [fake.tenantId]);
  });
  afterAll(async () => {
    c.close();
    await db.close();
    await fake.close();
  });

  const audit = async (mode: 'full' | 'incremental') => {
    const graph = createSharingAuditGraph(c.edge);
    return runSharingAuditForReport({ db, tenantId: fake.tenantId, mode, verifiedDomains: await getVerifiedDomains(c.edge), roster: [], delta: graph, permissions: graph, content: graph, usage: graph, now: () => NOW });
  };
  const findingsOf = (driveId: string) =>
    db.query<{ item_id: string; status: string; status_reason: string | null }>(`SELECT item_id, status, status_reason FROM findings WHERE tenant_id = $1 AND drive_id = $2 ORDER BY item_id`, [fake.tenantId, driveId]);
  const requestsFor = (driveId: string, from: number) => fake.api.log.slice(from).filter((l) => l.path.includes(driveId)).length;

  it('keeps auditing the OneDrive of a user deleted from Entra, then resolves its findings and forgets its tree when the drive is deleted', async () => {
    const t = fake.tenant;
    const first = await audit('full');
    // The OneDrive with the most findings belongs to the leaver.
    const counts = new Map<string, number>();
    for (const f of first.findings) counts.set(f.driveId, (counts.get(f.driveId) ?? 0) + 1);
    const [driveId] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const drive = t.drives.find((d) => d.id === driveId)!;
    expect(drive.kind).toBe('user');
    const before = await findingsOf(driveId);
    expect(before.length).toBeGreaterThan(0);

    // Deleted from Entra: not in /users any more. During retention someone adds an Anyone link.
    t.deleteUser(drive.owner);
    const fresh = t.liveItems(drive).find((i) => !t.isFolder(i) && !before.some((f) => f.item_id === t.itemId(i)))!;
    t.addLink(fresh, { scope: 'anonymous' });
    for (const mode of ['incremental', 'full'] as const) {
      const from = fake.api.log.length;
      const run = await audit(mode);
      expect(requestsFor(driveId, from)).toBeGreaterThan(0);
      const now = await findingsOf(driveId);
      expect(now.map((f) => f.item_id)).toContain(t.itemId(fresh));
      expect(now.filter((f) => f.status === 'open').map((f) => f.item_id)).toEqual(expect.arrayContaining(before.map((f) => f.item_id)));
      expect(run.findings.some((f) => f.itemId === t.itemId(fresh))).toBe(true);
    }

    // After retention the OneDrive is deleted: Graph answers 404 for it.
    t.deleteDrive(drive.index);
    const gone = await audit('incremental');
    expect(gone.run.status).toBe('completed');
    expect(gone.run.failures).toEqual([]);
    const after = await findingsOf(driveId);
    expect(after.length).toBeGreaterThan(before.length);
    for (const f of after) expect(f).toMatchObject({ status: 'resolved', status_reason: 'the drive no longer exists' });
    const [{ n: items }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM drive_items WHERE tenant_id = $1 AND drive_id = $2`, [fake.tenantId, driveId]);
    expect(items).toBe(0);

    // Nothing is left to read there: the next runs leave the drive alone.
    const from = fake.api.log.length;
    await audit('incremental');
    await audit('full');
    expect(requestsFor(driveId, from)).toBe(0);
    // The other drives' findings are untouched.
    const others = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND drive_id <> $2 AND status = 'open'`, [fake.tenantId, driveId]);
    expect(others[0]!.n).toBeGreaterThan(0);
  });
});

describe(`sharing audit: a site library that drops out of the site search (${storeKind()})`, () => {
  let fake: FakeGraphTenant;
  let c: Connection;
  let db: Db;

  beforeAll(async () => {
    fake = await startFakeGraphTenant({ tenant: { seed: 34, items: 600, staff: 2, pupils: 2, sites: 2, sharingRootShare: 0.08 }, ru: { limit: 100_000 }, apps: [DEFAULT_APP] });
    c = connectToFake(fake, { budget: { ruPerMinute: 100_000 } });
    db = await createTestDb();
    await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'St Mary''s')`, [fake.tenantId]);
  });
  afterAll(async () => {
    c.close();
    await db.close();
    await fake.close();
  });

  const audit = async (mode: 'full' | 'incremental', includeSites = true) => {
    const graph = createSharingAuditGraph(c.edge, { includeSites });
    return runSharingAuditForReport({ db, tenantId: fake.tenantId, mode, verifiedDomains: await getVerifiedDomains(c.edge), roster: [], delta: graph, permissions: graph, content: graph, usage: graph, now: () => NOW });
  };
  const findingsOf = (driveId: string) =>
    db.query<{ item_id: string; status: string; status_reason: string | null }>(`SELECT item_id, status, status_reason FROM findings WHERE tenant_id = $1 AND drive_id = $2 ORDER BY item_id`, [fake.tenantId, driveId]);
  const requestsFor = (driveId: string, from: number) => fake.api.log.slice(from).filter((l) => l.path.includes(driveId)).length;

  it('keeps auditing a library whose site is hidden from search, only while sites are audited, and resolves its findings when the site is deleted', async () => {
    const t = fake.tenant;
    const first = await audit('full');
    const siteDrives = t.drives.filter((d) => d.kind === 'site');
    const counts = new Map<string, number>();
    for (const f of first.findings) if (siteDrives.some((d) => d.id === f.driveId)) counts.set(f.driveId, (counts.get(f.driveId) ?? 0) + 1);
    const [driveId] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const drive = t.drives.find((d) => d.id === driveId)!;
    const before = await findingsOf(driveId);
    expect(before.length).toBeGreaterThan(0);

    // The site is set not to appear in search results; meanwhile someone adds an Anyone link there.
    t.hideSiteFromSearch(drive.owner);
    const fresh = t.liveItems(drive).find((i) => !t.isFolder(i) && !before.some((f) => f.item_id === t.itemId(i)))!;
    t.addLink(fresh, { scope: 'anonymous' });
    for (const mode of ['incremental', 'full'] as const) {
      const from = fake.api.log.length;
      const run = await audit(mode);
      expect(fake.api.log.slice(from).some((l) => l.path.includes('/sites/') && l.path.includes(t.sites[drive.owner]!.id))).toBe(false);
      expect(requestsFor(driveId, from)).toBeGreaterThan(0);
      expect(run.findings.some((f) => f.itemId === t.itemId(fresh))).toBe(true);
      const now = await findingsOf(driveId);
      expect(now.filter((f) => f.status === 'open').map((f) => f.item_id)).toEqual(expect.arrayContaining([...before.map((f) => f.item_id), t.itemId(fresh)]));
    }

    // An audit of OneDrives only (sites switched off, perhaps for want of Sites.Read.All) leaves it alone.
    let from = fake.api.log.length;
    await audit('incremental', false);
    expect(requestsFor(driveId, from)).toBe(0);
    expect((await findingsOf(driveId)).every((f) => f.status === 'open')).toBe(true);

    // The site is deleted: its library answers 404, and its findings are resolved with the reason.
    t.deleteSite(drive.owner);
    const gone = await audit('incremental');
    expect(gone.run.status).toBe('completed');
    expect(gone.run.failures).toEqual([]);
    for (const f of await findingsOf(driveId)) expect(f).toMatchObject({ status: 'resolved', status_reason: 'the drive no longer exists' });
    const [{ n: items }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM drive_items WHERE tenant_id = $1 AND drive_id = $2`, [fake.tenantId, driveId]);
    expect(items).toBe(0);
    from = fake.api.log.length;
    await audit('full');
    expect(requestsFor(driveId, from)).toBe(0);
  });
});
