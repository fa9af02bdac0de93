// The drive walker against the fake: paging (including short pages), delta tokens for
// incremental runs (adds, renames, moves, deletes, new links), `Prefer: hierarchicalsharing`,
// 410 → ResyncRequiredError, and `$expand=permissions` refused as Graph refuses it.
import { startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { connectToFake, type Connection } from '../fakes/graph-tenant/connect';
import { walkDrive } from '../../src/graph/drive-walker';
import { ResyncRequiredError } from '../../src/graph/graph-errors';
import type { DeltaPage, DriveItemRecord } from '../../src/graph/types';

async function collect(pages: AsyncGenerator<DeltaPage>): Promise<{ items: DriveItemRecord[]; pages: DeltaPage[]; deltaLink: string }> {
  const all: DeltaPage[] = [];
  for await (const p of pages) all.push(p);
  return { items: all.flatMap((p) => p.items), pages: all, deltaLink: all.at(-1)!.deltaLink! };
}

describe('drive walker (delta) against the fake Graph', () => {
  let fake: FakeGraphTenant;
  let c: Connection;

  beforeAll(async () => {
    fake = await startFakeGraphTenant({ tenant: { seed: 7, items: 3000, staff: 3, pupils: 4, sites: 1, sharingRootShare: 0.05 }, shortPageRate: 0.3 });
    c = connectToFake(fake);
  });
  afterAll(async () => {
    c.close();
    await fake.close();
  });

  const biggestDrive = () => [...fake.tenant.drives].sort((a, b) => b.end - b.start - (a.end - a.start))[0]!;

  it('walks a drive page by page with $top, $select and nextLinks, ending with a deltaLink', async () => {
    const drive = biggestDrive();
    const { items, pages, deltaLink } = await collect(walkDrive(c.edge, { driveId: drive.id, pageSize: 100 }));
    expect(new Set(items.map((i) => i.id))).toEqual(new Set(fake.tenant.liveItems(drive).map((i) => fake.tenant.itemId(i))));
    expect(pages.length).toBeGreaterThan(Math.ceil(items.length / 100)); // some pages came back short
    expect(pages.every((p, k) => p.pageIndex === k && (k === pages.length - 1 ? p.deltaLink && !p.nextLink : p.nextLink && !p.deltaLink))).toBe(true);
    expect(deltaLink).toContain('token=');
    // Minimal $select went out; Prefer went out on every page.
    const deltaCalls = fake.api.log.filter((l) => l.path.includes(`/drives/${drive.id}/root/delta`));
    const firstQuery = new URL(deltaCalls[0]!.path, fake.url).searchParams;
    expect(firstQuery.get('$select')).toBe('id,name,parentReference,file,folder,shared,size,deleted,webUrl,root');
    expect(firstQuery.get('$top')).toBe('100');
    expect(deltaCalls.every((l) => l.prefer === 'hierarchicalsharing' && l.userAgent === 'ISV|Jigsaw|Jigsaw/0.1')).toBe(true);
    const root = items.find((i) => i.isRoot)!;
    expect(root.parentId).toBeNull();
    const child = items.find((i) => !i.isRoot)!;
    expect(child.parentId).toMatch(/^01JIG/u);
    // First page without a token costs 2 RU, the others 1 RU each.
    expect(deltaCalls.map((l) => l.cost)).toEqual([2, ...Array(deltaCalls.length - 1).fill(1)]);
  });

  it('with Prefer: hierarchicalsharing marks only roots of permission hierarchies; `{}` for unique without links', async () => {
    const t = fake.tenant;
    const drive = biggestDrive();
    const folder = t.liveItems(drive).find((i) => t.isFolder(i) && !t.isRoot(i) && !t.hasUniquePermissions(i) && t.childCountOf(i) > 0 && !t.liveItems(drive).some((k) => t.parentOf(k) === i && t.hasUniquePermissions(k)))!;
    const permId = t.addLink(folder, { scope: 'anonymous' });
    const unique = t.liveItems(drive).find((i) => !t.isFolder(i) && !t.hasUniquePermissions(i) && t.parentOf(i) !== folder)!;
    const uniquePerm = t.addLink(unique, { scope: 'organization' });
    t.removePermission(unique, uniquePerm);
    const { items } = await collect(walkDrive(c.edge, { driveId: drive.id }));
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.get(t.itemId(folder))!.shared).toEqual({ scope: 'anonymous' });
    expect(byId.get(t.itemId(unique))!.shared).toEqual({});
    const kids = items.filter((i) => i.parentId === t.itemId(folder));
    expect(kids.length).toBeGreaterThan(0);
    for (const k of kids) if (!t.hasUniquePermissions(t.itemIndex(k.id))) expect(k.shared ?? null).toBeNull();
    const withFacet = items.filter((i) => i.shared);
    expect(withFacet.map((i) => i.id).sort()).toEqual(t.liveItems(drive).filter((i) => t.hasUniquePermissions(i) || t.isRoot(i)).map((i) => t.itemId(i)).sort());
    // The drive root, an unshared root of the hierarchy, carries `{}` to establish the initial scope.
    expect(items.find((i) => i.isRoot)!.shared).toEqual({});

    // Without the header Graph marks the inheriting children too.
    const flat = await collect(walkDrive(c.edge, { driveId: drive.id, hierarchicalSharing: false }));
    const flatKids = flat.items.filter((i) => i.parentId === t.itemId(folder));
    expect(flatKids.every((k) => k.shared?.scope === 'anonymous')).toBe(true);
    t.removePermission(folder, permId);
  });

  it('incremental walk from a deltaLink returns only changes: add, rename, move, delete, new link', async () => {
    const t = fake.tenant;
    const drive = fake.tenant.drives[1]!;
    const first = await collect(walkDrive(c.edge, { driveId: drive.id }));
    const live = t.liveItems(drive);
    const folders = live.filter((i) => t.isFolder(i) && !t.isRoot(i));
    const files = live.filter((i) => !t.isFolder(i));
    const [renamed, moved, linked] = files;
    const target = folders.find((f) => f !== t.parentOf(moved!)) ?? drive.root;
    t.renameItem(renamed!, 'Zoë Núñez EHCP.docx');
    t.moveItem(moved!, target);
    t.addLink(linked!, { scope: 'external' });
    const added = t.addItem(drive.root, { name: 'SEN register 2026.xlsx' });
    const doomed = folders.at(-1)!;
    const doomedSubtree = live.filter((i) => {
      for (let a = i; a >= 0; a = t.parentOf(a)) if (a === doomed) return true;
      return false;
    });
    t.deleteItem(doomed);

    const before = fake.api.log.length;
    const second = await collect(walkDrive(c.edge, { driveId: drive.id, from: first.deltaLink }));
    const byId = new Map(second.items.map((i) => [i.id, i]));
    expect(byId.get(t.itemId(renamed!))!.name).toBe('Zoë Núñez EHCP.docx');
    expect(byId.get(t.itemId(moved!))!.parentId).toBe(t.itemId(target));
    expect(byId.get(t.itemId(linked!))!.shared).toEqual({ scope: 'users' });
    expect(byId.get(added)).toMatchObject({ name: 'SEN register 2026.xlsx', parentId: t.itemId(drive.root) });
    for (const d of doomedSubtree) expect(byId.get(t.itemId(d))!.deleted).toBe(true);
    expect(second.items.length).toBe(4 + doomedSubtree.length);
    // Every page of an incremental walk carries a token: 1 RU each.
    expect(fake.api.log.slice(before).every((l) => l.cost === 1)).toBe(true);

    // Nothing changed since: an empty page and a fresh deltaLink.
    const third = await collect(walkDrive(c.edge, { driveId: drive.id, from: second.deltaLink }));
    expect(third.items).toEqual([]);
    expect(third.deltaLink).toBeTruthy();
  });

  it('resumes an interrupted walk from a stored nextLink without losing or repeating items', async () => {
    const drive = biggestDrive();
    const full = await collect(walkDrive(c.edge, { driveId: drive.id, pageSize: 50 }));
    const partial: DeltaPage[] = [];
    for await (const p of walkDrive(c.edge, { driveId: drive.id, pageSize: 50 })) {
      partial.push(p);
      if (partial.length === 3) break; // "crash" after checkpointing page 3
    }
    const rest = await collect(walkDrive(c.edge, { driveId: drive.id, from: partial.at(-1)!.nextLink }));
    const ids = [...partial.flatMap((p) => p.items), ...rest.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(full.items.map((i) => i.id)));
  });

  it('surfaces 410 resyncRequired for an invalidated token as ResyncRequiredError, and a fresh walk recovers', async () => {
    const drive = fake.tenant.drives[2]!;
    const first = await collect(walkDrive(c.edge, { driveId: drive.id }));
    fake.tenant.expireDeltaTokens(drive.id);
    const attempt = collect(walkDrive(c.edge, { driveId: drive.id, from: first.deltaLink }));
    await expect(attempt).rejects.toBeInstanceOf(ResyncRequiredError);
    await attempt.catch((e: ResyncRequiredError) => {
      expect(e.driveId).toBe(drive.id);
      expect(e.code).toBe('resyncRequired');
      expect(e.location).toContain(`/drives/${drive.id}/root/delta`);
    });
    const again = await collect(walkDrive(c.edge, { driveId: drive.id }));
    expect(again.items.length).toBe(fake.tenant.liveItems(drive).length);
    // The new token works.
    await expect(collect(walkDrive(c.edge, { driveId: drive.id, from: again.deltaLink }))).resolves.toMatchObject({ items: [] });
  });

  it('refuses a stored link that points at another host (tokens never leave GRAPH_BASE_URL)', async () => {
    await expect(collect(walkDrive(c.edge, { driveId: 'x', from: 'https://evil.example/v1.0/drives/x/root/delta?token=1' }))).rejects.toThrow(/not on/u);
  });

  it('answers $expand=permissions on delta and children with 400 notSupported, as Graph does', async () => {
    const drive = fake.tenant.drives[0]!;
    for (const path of [`/drives/${drive.id}/root/delta?$expand=permissions`, `/drives/${drive.id}/root/children?$expand=permissions`]) {
      const r = await c.edge.send('GET', path);
      expect(r.status).toBe(400);
      expect((r.body as { error: { code: string } }).error.code).toBe('notSupported');
    }
  });
});
