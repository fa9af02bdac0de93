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

type TenantShape = { seed: number; items: number; staff: number; pupils: number; sites: number; sharingRootShare: number };

/** A fake tenant, the real Graph edge and a store for one describe block, with the test's helpers. */
function auditWorld(shape: TenantShape) {
  const w = {} as { fake: FakeGraphTenant; c: Connection; db: Db };
  beforeAll(async () => {
    w.fake = await startFakeGraphTenant({ tenant: shape, ru: { limit: 100_000 }, apps: [DEFAULT_APP] });
    w.c = connectToFake(w.fake, { budget: { ruPerMinute: 100_000 } });
    w.db = await createTestDb();
    await w.db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'St Mary''s')`, [w.fake.tenantId]);
  });
  afterAll(async () => {
    w.c.close();
    await w.db.close();
    await w.fake.close();
  });
  return {
    w,
    audit: async (mode: 'full' | 'incremental', includeSites = false) => {
      const graph = createSharingAuditGraph(w.c.edge, { includeSites });
      return runSharingAuditForReport({ db: w.db, tenantId: w.fake.tenantId, mode, verifiedDomains: await getVerifiedDomains(w.c.edge), roster: [], delta: graph, permissions: graph, content: graph, usage: graph, now: () => NOW });
    },
    findingsOf: (driveId: string) =>
      w.db.query<{ item_id: string; status: string; status_reason: string | null }>(`SELECT item_id, status, status_reason FROM findings WHERE tenant_id = $1 AND drive_id = $2 ORDER BY item_id`, [w.fake.tenantId, driveId]),
    requestsFor: (driveId: string, from: number) => w.fake.api.log.slice(from).filter((l) => l.path.includes(driveId)).length,
    storedItems: async (driveId: string) =>
      (await w.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM drive_items WHERE tenant_id = $1 AND drive_id = $2`, [w.fake.tenantId, driveId]))[0]!.n,
  };
}

describe(`sharing audit: a leaver's OneDrive (${storeKind()})`, () => {
  const { w, audit, findingsOf, requestsFor, storedItems } = auditWorld({ seed: 33, items: 600, staff: 3, pupils: 4, sites: 0, sharingRootShare: 0.08 });

  it('keeps auditing the OneDrive of a user deleted from Entra, then resolves its findings and forgets its tree when the drive is deleted', async () => {
    const t = w.fake.tenant;
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
      const from = w.fake.api.log.length;
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
    expect(await storedItems(driveId)).toBe(0);

    // Nothing is left to read there: the next runs leave the drive alone.
    const from = w.fake.api.log.length;
    await audit('incremental');
    await audit('full');
    expect(requestsFor(driveId, from)).toBe(0);
    // The other drives' findings are untouched.
    const others = await w.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND drive_id <> $2 AND status = 'open'`, [w.fake.tenantId, driveId]);
    expect(others[0]!.n).toBeGreaterThan(0);
  });
});

describe(`sharing audit: a site library that drops out of the site search (${storeKind()})`, () => {
  const { w, audit: auditAll, findingsOf, requestsFor, storedItems } = auditWorld({ seed: 34, items: 600, staff: 2, pupils: 2, sites: 2, sharingRootShare: 0.08 });
  const audit = (mode: 'full' | 'incremental', includeSites = true) => auditAll(mode, includeSites);

  it('keeps auditing a library whose site is hidden from search, only while sites are audited, and resolves its findings when the site is deleted', async () => {
    const t = w.fake.tenant;
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
      const from = w.fake.api.log.length;
      const run = await audit(mode);
      expect(w.fake.api.log.slice(from).some((l) => l.path.includes('/sites/') && l.path.includes(t.sites[drive.owner]!.id))).toBe(false);
      expect(requestsFor(driveId, from)).toBeGreaterThan(0);
      expect(run.findings.some((f) => f.itemId === t.itemId(fresh))).toBe(true);
      const now = await findingsOf(driveId);
      expect(now.filter((f) => f.status === 'open').map((f) => f.item_id)).toEqual(expect.arrayContaining([...before.map((f) => f.item_id), t.itemId(fresh)]));
    }

    // An audit of OneDrives only (sites switched off, perhaps for want of Sites.Read.All) leaves it alone.
    let from = w.fake.api.log.length;
    await audit('incremental', false);
    expect(requestsFor(driveId, from)).toBe(0);
    expect((await findingsOf(driveId)).every((f) => f.status === 'open')).toBe(true);

    // The site is deleted: its library answers 404, and its findings are resolved with the reason.
    t.deleteSite(drive.owner);
    const gone = await audit('incremental');
    expect(gone.run.status).toBe('completed');
    expect(gone.run.failures).toEqual([]);
    for (const f of await findingsOf(driveId)) expect(f).toMatchObject({ status: 'resolved', status_reason: 'the drive no longer exists' });
    expect(await storedItems(driveId)).toBe(0);
    from = w.fake.api.log.length;
    await audit('full');
    expect(requestsFor(driveId, from)).toBe(0);
  });
});
