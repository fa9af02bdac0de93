// Permissions through `$batch` (with a throttled sub-request retried), effective permissions
// with inheritedFrom, DELETE rules, and the other reads of the edge: drives (sites behind a
// flag), the pupil roster, verified domains and the first 64 KB of a file.
import { DEFAULT_APP, FileKind, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { connectToFake, type Connection } from '../fakes/graph-tenant/connect';
import { runBatch } from '../../src/graph/batch';
import { readFirstBytes } from '../../src/graph/content';
import { GraphRequestError } from '../../src/graph/graph-errors';
import { getVerifiedDomains } from '../../src/graph/organization';
import { deletePermission, listPermissions } from '../../src/graph/permissions';
import { listPupils } from '../../src/graph/roster';
import { listDrives } from '../../src/graph/users-and-drives';
import type { DriveRecord } from '../../src/graph/types';

const REMEDIATOR = { clientId: 'cccccccc-3333-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'], roles: ['Files.ReadWrite.All'] };

describe('permissions, batch and reads against the fake Graph', () => {
  let fake: FakeGraphTenant;
  let c: Connection;

  beforeAll(async () => {
    fake = await startFakeGraphTenant({
      tenant: { seed: 11, items: 1500, staff: 3, pupils: 5, sites: 2, sharingRootShare: 0.05 },
      apps: [DEFAULT_APP, REMEDIATOR],
      // A short window so Retry-After values stay at 1 s.
      ru: { limit: 100_000, windowMs: 1000 },
    });
    c = connectToFake(fake, { budget: { ruPerMinute: 100_000, windowMs: 1000 } });
  });
  afterAll(async () => {
    c.close();
    await fake.close();
  });

  const target = (i: number) => ({ driveId: fake.tenant.drives[fake.tenant.driveIndexOf(i)]!.id, itemId: fake.tenant.itemId(i) });

  it('lists permissions of sharing roots 20 per $batch, each sub-request counted at 5 RU', async () => {
    const roots = fake.tenant.sharingRoots();
    expect(roots.length).toBeGreaterThan(25);
    const before = fake.api.log.length;
    const results = await listPermissions(c.edge, roots.map(target));
    expect(results).toHaveLength(roots.length);
    expect(results.every((r) => r.ok)).toBe(true);
    const sub = fake.api.log.slice(before);
    expect(sub.every((l) => l.batched && l.cost === 5)).toBe(true);
    expect(c.edge.counters().httpRequests).toBeGreaterThanOrEqual(Math.ceil(roots.length / 20));
    // Each sharing root's own links come back without inheritedFrom.
    for (const r of results) {
      if (!r.ok) continue;
      const own = fake.tenant.ownPermissions(fake.tenant.itemIndex(r.itemId)).map((p) => p.id);
      expect(r.permissions.filter((p) => !p.inheritedFrom).map((p) => p.id).sort()).toEqual(own.sort());
    }
  });

  it('retries a throttled sub-request after the pause and loses nothing', async () => {
    const roots = fake.tenant.sharingRoots().slice(0, 20);
    fake.injectFailures({ count: 3, status: 429, retryAfterSeconds: 1, pathIncludes: '/permissions' });
    const throttledBefore = c.edge.counters().throttled;
    const started = Date.now();
    const results = await listPermissions(c.edge, roots.map(target));
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(c.edge.counters().throttled - throttledBefore).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950); // Retry-After honoured
    const statuses = fake.api.log.filter((l) => l.batched).slice(-23).map((l) => l.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
  });

  it('returns effective permissions: a child of a shared folder sees the link with inheritedFrom', async () => {
    const t = fake.tenant;
    const drive = t.drives[0]!;
    const folder = t.liveItems(drive).find((i) => t.isFolder(i) && !t.isRoot(i) && t.liveItems(drive).some((k) => t.parentOf(k) === i && !t.isFolder(k)))!;
    const permId = t.addLink(folder, { scope: 'anonymous', expiresAt: '2099-01-01T00:00:00Z' });
    const child = t.liveItems(drive).find((k) => t.parentOf(k) === folder && !t.isFolder(k))!;
    const [result] = await listPermissions(c.edge, [target(child)]);
    expect(result!.ok).toBe(true);
    const link = result!.ok ? result!.permissions.find((p) => p.id === permId) : undefined;
    expect(link).toMatchObject({ link: { scope: 'anonymous', type: 'view' }, expirationDateTime: '2099-01-01T00:00:00Z', hasPassword: false, inheritedFrom: { id: t.itemId(folder), driveId: drive.id } });
  });

  it('shows external recipients (guests) on specific-people links', async () => {
    const t = fake.tenant;
    const item = t.liveItems(t.drives[0]!).find((i) => !t.isFolder(i) && !t.hasUniquePermissions(i))!;
    t.addLink(item, { scope: 'external' });
    const [result] = await listPermissions(c.edge, [target(item)]);
    const link = result!.ok ? result!.permissions.find((p) => p.link?.scope === 'users' && !p.inheritedFrom) : undefined;
    expect(link!.grantedToIdentitiesV2![0]!.user!.email).toBe('jo.parent@gmail.com');
    expect(link!.grantedToIdentitiesV2![0]!.siteUser!.loginName).toMatch(/#ext#/u);
  });

  it('shows direct grants to guests as grantedToV2', async () => {
    const t = fake.tenant;
    const item = t.liveItems(t.drives[1]!).find((i) => !t.isFolder(i) && !t.hasUniquePermissions(i))!;
    const id = t.addPermission(item, { roles: ['write'], grantees: [{ kind: 'external', email: 'coach@riverside-fc.example.org', displayName: 'Coach' }] });
    const [result] = await listPermissions(c.edge, [target(item)]);
    const grant = result!.ok ? result!.permissions.find((p) => p.id === id) : undefined;
    expect(grant).toMatchObject({ roles: ['write'], grantedToV2: { user: { email: 'coach@riverside-fc.example.org' } } });
    expect(grant!.link).toBeUndefined();
  });

  it('deletes a permission only with Files.ReadWrite.All, and never an inherited one', async () => {
    const t = fake.tenant;
    const drive = t.drives[0]!;
    const folder = t.liveItems(drive).find((i) => t.isFolder(i) && !t.isRoot(i) && t.liveItems(drive).some((k) => t.parentOf(k) === i && !t.isFolder(k)))!;
    const permId = t.addLink(folder, { scope: 'organization' });
    const child = t.liveItems(drive).find((k) => t.parentOf(k) === folder && !t.isFolder(k))!;
    // The read-only audit app is refused.
    await expect(deletePermission(c.edge, { ...target(folder), permissionId: permId })).rejects.toMatchObject({ status: 403, code: 'accessDenied' });
    const rw = connectToFake(fake, { clientId: REMEDIATOR.clientId, clientSecret: 'rw' });
    try {
      // Inherited on the child: refused.
      const refused = deletePermission(rw.edge, { ...target(child), permissionId: permId });
      await expect(refused).rejects.toBeInstanceOf(GraphRequestError);
      await expect(refused).rejects.toMatchObject({ status: 400 });
      // On the sharing root: 204, and gone.
      await expect(deletePermission(rw.edge, { ...target(folder), permissionId: permId })).resolves.toBe('deleted');
      expect(t.ownPermissions(folder).some((p) => p.id === permId)).toBe(false);
      await expect(deletePermission(rw.edge, { ...target(folder), permissionId: permId })).resolves.toBe('already-gone');
      expect(fake.api.log.filter((l) => l.method === 'DELETE').every((l) => l.cost === 5)).toBe(true);
    } finally {
      rw.close();
    }
  });

  it('runBatch keeps per-step failures as results and rejects more than 20 per batch server-side', async () => {
    const results = await runBatch(c.edge, [
      { id: 'a', method: 'GET', url: `/drives/${fake.tenant.drives[0]!.id}` },
      { id: 'b', method: 'GET', url: '/drives/b!nope/items/x/permissions' },
    ]);
    expect(results.map((r) => [r.id, r.status])).toEqual([['a', 200], ['b', 404]]);
    const tooMany = await c.edge.send('POST', '/$batch', { body: { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' })) } });
    expect(tooMany.status).toBe(400);
  });

  it('lists every member OneDrive (skipping users without one), and site libraries only when asked', async () => {
    const drives: DriveRecord[] = [];
    for await (const d of listDrives(c.edge)) drives.push(d);
    const expected = fake.tenant.users.filter((u) => u.drive >= 0).map((u) => fake.tenant.drives[u.drive]!.id);
    expect(drives.map((d) => d.id).sort()).toEqual(expected.sort());
    expect(drives.every((d) => d.kind === 'onedrive' && d.owner?.email)).toBe(true);
    const withSites: DriveRecord[] = [];
    for await (const d of listDrives(c.edge, { includeSites: true })) withSites.push(d);
    expect(withSites.filter((d) => d.kind === 'site')).toHaveLength(2);
  });

  it('reads the pupil roster and the verified domains', async () => {
    const pupils = await listPupils(c.edge);
    expect(pupils).toHaveLength(5);
    expect(pupils.every((p) => p.primaryRole === 'student' && p.givenName && p.surname)).toBe(true);
    expect(await getVerifiedDomains(c.edge)).toEqual(['stmarys.sch.uk', 'stmarys.onmicrosoft.com']);
  });

  it('reads the first 64 KB of a file through the /content redirect with a Range header', async () => {
    const t = fake.tenant;
    const csv = t.liveItems(t.drives[0]!).concat(t.liveItems(t.drives[1]!)).find((i) => !t.isFolder(i) && t.fileKindOf(i) === FileKind.MisExport) ?? (() => {
      const id = t.addItem(t.drives[0]!.root, { name: 'Year 9 pupils export.csv', kind: FileKind.MisExport });
      return t.itemIndex(id);
    })();
    const sample = await readFirstBytes(c.edge, target(csv));
    expect(sample.bytes.length).toBe(Math.min(65536, t.sizeOf(csv)));
    expect(sample.totalSize).toBe(t.sizeOf(csv));
    expect(sample.truncated).toBe(t.sizeOf(csv) > 65536);
    expect(sample.bytes.toString('utf8', 0, 40)).toMatch(/^UPN,Legal Surname,Legal Forename,DOB/u);
  });
});
