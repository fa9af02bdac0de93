import fc from 'fast-check';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeExposures, countReachedDescendants, exposureRank, type TreeNode } from '../../src/domain/sharing/exposure';
import type { PermissionExposure } from '../../src/domain/sharing/types';
import type { Db } from '../../src/store/db';
import { markSubtreesDeleted, startDriveScan, upsertDrive, upsertDriveItems, getItemPaths } from '../../src/store/sharing-drives.repo';
import {
  computeItemExposures,
  countExposedBelow,
  countRootDescendants,
  deleteItemExposures,
  deleteRootExposures,
  insertRootExposures,
  listExposedItemsPage,
  listRootExposures,
} from '../../src/store/sharing-exposure.repo';
import { listOwnerNotifications, recordOwnerNotifications, recordOwnerResponse } from '../../src/store/sharing-remediations.repo';
import { createTestDb, storeKind } from '../support/test-db';

const now = new Date('2026-11-22T06:00:00Z');
let db: Db;
let seq = 0;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

async function newDrive(): Promise<{ tenantId: string; driveId: string; generation: number }> {
  seq += 1;
  const tenantId = `store-tenant-${seq}`;
  await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'School')`, [tenantId]);
  await upsertDrive(db, tenantId, { driveId: 'd', driveType: 'business', name: null, webUrl: null, owner: { id: null, displayName: null, email: null } });
  const state = await startDriveScan(db, tenantId, 'd', 'run', true);
  return { tenantId, driveId: 'd', generation: state.scanGeneration };
}

async function storeExposures(tenantId: string, roots: Map<string, PermissionExposure>): Promise<void> {
  await deleteRootExposures(db, tenantId, 'd');
  await insertRootExposures(db, tenantId, 'd', [...roots].map(([itemId, e]) => ({ ...e, itemId, rank: exposureRank(e, now) })));
  await deleteItemExposures(db, tenantId, 'd');
  await computeItemExposures(db, tenantId, 'd');
  await countRootDescendants(db, tenantId, 'd');
}

async function readExposures(tenantId: string): Promise<Map<string, { via: string; depth: number }>> {
  const out = new Map<string, { via: string; depth: number }>();
  for (let after = ''; ; ) {
    const page = await listExposedItemsPage(db, tenantId, 'd', after, 500);
    if (page.length === 0) return out;
    for (const item of page) out.set(item.itemId, { via: item.viaItemId, depth: item.depth });
    after = page[page.length - 1].itemId;
  }
}

const scopes = ['anonymous', 'organization', 'external'] as const;

// A random tree: each item's parent is an earlier item; some deleted; some roots with links.
const treeArbitrary = fc
  .array(fc.record({ parent: fc.nat(), folder: fc.integer({ min: 0, max: 3 }), del: fc.integer({ min: 0, max: 9 }), root: fc.integer({ min: 0, max: 5 }), scope: fc.integer({ min: 0, max: 2 }), password: fc.boolean() }), { minLength: 1, maxLength: 60 })
  .map((specs) => {
    const nodes: Array<TreeNode & { isFolder: boolean }> = [{ id: 'n000', parentId: null, isFolder: true }];
    const roots = new Map<string, PermissionExposure>();
    specs.forEach((s, i) => {
      const id = `n${String(i + 1).padStart(3, '0')}`;
      // Some items that hold others are not folders: OneNote notebooks (packages) do that.
      nodes.push({ id, parentId: nodes[s.parent % nodes.length].id, deleted: s.del === 0, isFolder: s.folder > 0 });
      if (s.root === 0) {
        roots.set(id, { scope: scopes[s.scope], permissionId: `p-${id}`, linkType: 'view', expiresAt: null, hasPassword: s.password, inherited: false, inheritedFromItemId: null, reason: 'r' });
      }
    });
    return { nodes, roots };
  });

describe(`sharing audit store (${storeKind()})`, () => {
  it('computes the same exposure in SQL as the domain rule, on random trees', async () => {
    await fc.assert(
      fc.asyncProperty(treeArbitrary, async ({ nodes, roots }) => {
        const { tenantId, driveId, generation } = await newDrive();
        await upsertDriveItems(db, tenantId, driveId, generation, nodes.map((n) => ({ id: n.id, parentId: n.parentId, name: n.id, isFolder: n.isFolder, deleted: n.deleted })));
        await storeExposures(tenantId, roots);
        const expected = computeExposures(nodes, roots, now);
        const actual = await readExposures(tenantId);
        expect(Object.fromEntries(actual)).toEqual(Object.fromEntries([...expected].map(([id, e]) => [id, { via: e.viaItemId, depth: e.depth }])));
        const counts = countReachedDescendants(nodes, [...roots.keys()]);
        for (const root of await listRootExposures(db, tenantId, driveId)) {
          if (counts.has(root.itemId)) expect(root.exposedDescendants).toBe(counts.get(root.itemId));
        }
        // Every exposed item beneath an exposed folder is exposed, so a descendant finding's
        // count is its live descendants.
        for (const itemId of actual.keys()) {
          expect(await countExposedBelow(db, tenantId, driveId, itemId)).toBe(countReachedDescendants(nodes, [itemId]).get(itemId));
        }
      }),
      { numRuns: 25, seed: 20261122 },
    );
  });

  it('cascades a folder deletion to its subtree and builds paths from the root', async () => {
    const { tenantId, driveId, generation } = await newDrive();
    await upsertDriveItems(db, tenantId, driveId, generation, [
      { id: 'root', parentId: null, name: 'root', isFolder: true },
      { id: 'a', parentId: 'root', name: 'Année 6', isFolder: true },
      { id: 'b', parentId: 'a', name: 'Sub', isFolder: true },
      { id: 'c', parentId: 'b', name: "O'Brien.docx", isFolder: false },
    ]);
    expect(Object.fromEntries(await getItemPaths(db, tenantId, driveId, ['root', 'a', 'c']))).toEqual({ root: '/', a: '/Année 6', c: "/Année 6/Sub/O'Brien.docx" });
    await upsertDriveItems(db, tenantId, driveId, generation, [{ id: 'a', parentId: null, name: '', isFolder: false, deleted: true }]);
    expect(await markSubtreesDeleted(db, tenantId, driveId, ['a'])).toBe(2);
    const rows = await db.query<{ item_id: string; deleted: boolean; name: string }>(
      `SELECT item_id, deleted, name FROM drive_items WHERE tenant_id = $1 ORDER BY item_id`,
      [tenantId],
    );
    expect(rows).toEqual([
      { item_id: 'a', deleted: true, name: 'Année 6' },
      { item_id: 'b', deleted: true, name: 'Sub' },
      { item_id: 'c', deleted: true, name: "O'Brien.docx" },
      { item_id: 'root', deleted: false, name: 'root' },
    ]);
  });

  it('records owner notifications and accepts answers only from the owner', async () => {
    const { tenantId } = await newDrive();
    const owner = { id: 'owner-1', email: 'o@school.org.uk' };
    await recordOwnerNotifications(db, tenantId, ['f-1', 'f-2'].map((findingId) => ({ notificationId: 'n1', findingId, owner })), now);
    expect(await recordOwnerResponse(db, tenantId, 'n1', 'f-1', { response: 'keep', reason: 'Shared with the trust', byId: 'someone-else', at: now })).toBe(false);
    expect(await recordOwnerResponse(db, tenantId, 'n1', 'f-1', { response: 'keep', reason: 'Shared with the trust', byId: 'owner-1', at: now })).toBe(true);
    expect(await listOwnerNotifications(db, tenantId, 'f-1')).toEqual([
      { notificationId: 'n1', findingId: 'f-1', ownerId: 'owner-1', response: 'keep', responseReason: 'Shared with the trust', respondedAt: now.toISOString() },
    ]);
  });

  it('stores and exposes a large tree without loading it (50,000 items, one shared folder near the top), and counts below a folder without holding up the app', async () => {
    const { tenantId, driveId, generation } = await newDrive();
    const started = Date.now();
    const fanout = 20;
    const total = 50_000;
    for (let start = 0; start < total; start += 1000) {
      const page = [];
      for (let i = start; i < Math.min(start + 1000, total); i += 1) {
        page.push({ id: `i${String(i).padStart(6, '0')}`, parentId: i === 0 ? null : `i${String(Math.floor((i - 1) / fanout)).padStart(6, '0')}`, name: `Item ${i}.docx`, isFolder: i < total / fanout + 1 });
      }
      await upsertDriveItems(db, tenantId, driveId, generation, page);
    }
    const stored = Date.now();
    // i000001's subtree: about 1/20 of the tree.
    const link = { scope: 'anonymous', permissionId: 'p', linkType: 'view', expiresAt: null, hasPassword: false, inherited: false, inheritedFromItemId: null, reason: 'r' } as const;
    await storeExposures(tenantId, new Map([['i000001', link]]));
    const exposedAt = Date.now();
    const [root] = await listRootExposures(db, tenantId, driveId);
    expect(root.exposedDescendants).toBeGreaterThan(2000);
    // Measured, not asserted tightly: printed for the benchmark note.
    // eslint-disable-next-line no-console
    console.log(`[${storeKind()}] ${total} items stored in ${stored - started} ms; exposure of ${root.exposedDescendants + 1} items in ${exposedAt - stored} ms`);
    // No timed assertion (timings belong to bench:audit); the plan regression this guards shows there.

    // The whole drive shared: a likely-pupil-data folder at the top has every other item
    // beneath it. The embedded store runs statements on the app's thread, so counting them
    // must leave turns for a Teams request that arrives meanwhile.
    await storeExposures(tenantId, new Map([['i000000', link]]));
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      let counted = false;
      let answeredWhileCounting: boolean | undefined;
      const request = new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => {
            answeredWhileCounting = !counted;
            resolve();
          });
        }).on('error', reject);
      });
      const below = await countExposedBelow(db, tenantId, driveId, 'i000000');
      counted = true;
      await request;
      expect(below).toBe(total - 1);
      expect(answeredWhileCounting).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
