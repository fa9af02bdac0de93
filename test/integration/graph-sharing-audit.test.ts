// End to end through the real edge: the sharing audit runner (src/jobs/sharing-audit) on its
// Graph adapter, msal-node and the Graph SDK, against the fake tenant, on the test store.
// Checks exposure against the fake's own truth, RU accounting, and an incremental run.
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant, type FakePermission } from '../fakes/graph-tenant';
import { connectToFake, type Connection } from '../fakes/graph-tenant/connect';
import { remediateFindings, runSharingAuditForReport } from '../../src/jobs/sharing-audit';
import { getVerifiedDomains } from '../../src/graph/organization';
import { listPupils } from '../../src/graph/roster';
import { createSharingAuditGraph } from '../../src/graph/sharing-audit-adapter';
import type { Db } from '../../src/store/db';
import { createTestDb } from '../support/test-db';

const NOW = new Date('2026-11-22T06:00:00Z');
// Remediation is a separate, opt-in app registration: the audit itself stays read-only.
const REMEDIATOR = { clientId: 'dddddddd-4444-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'], roles: ['Files.ReadWrite.All'] };

describe('sharing audit over the Graph edge against the fake tenant', () => {
  let fake: FakeGraphTenant;
  let c: Connection;
  let db: Db;

  beforeAll(async () => {
    fake = await startFakeGraphTenant({
      tenant: { seed: 21, items: 800, staff: 3, pupils: 6, sites: 0, sharingRootShare: 0.06 },
      ru: { limit: 100_000 },
      apps: [DEFAULT_APP, REMEDIATOR],
    });
    c = connectToFake(fake, { budget: { ruPerMinute: 100_000 } });
    db = await createTestDb();
    await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'St Mary''s')`, [fake.tenantId]);
  });
  afterAll(async () => {
    c.close();
    await db.close();
    await fake.close();
  });

  const exposing = (p: FakePermission) => {
    if (p.expiresAt && Date.parse(p.expiresAt) <= NOW.getTime()) return false;
    if (p.link?.scope === 'anonymous' || p.link?.scope === 'organization') return true;
    return p.grantees.some((g) => g.kind === 'external');
  };
  const ownExposure = (i: number) => fake.tenant.ownPermissions(i).some(exposing);
  const chainExposed = (i: number) => {
    for (let n = i; n >= 0; n = fake.tenant.parentOf(n)) if (ownExposure(n)) return true;
    return false;
  };

  async function audit(mode: 'full' | 'incremental') {
    const graph = createSharingAuditGraph(c.edge);
    const roster = (await listPupils(c.edge)).map((p) => ({ id: p.id, givenName: p.givenName ?? '', familyName: p.surname ?? '' }));
    return runSharingAuditForReport({ db, tenantId: fake.tenantId, mode, verifiedDomains: await getVerifiedDomains(c.edge), roster, delta: graph, permissions: graph, content: graph, usage: graph, now: () => NOW });
  }

  it('finds every exposed sharing root and nothing unexposed, within the RU the fake charged', async () => {
    const before = fake.meter.totalFor(DEFAULT_APP.clientId);
    const { run, findings } = await audit('full');
    const after = fake.meter.totalFor(DEFAULT_APP.clientId);
    const t = fake.tenant;
    const exposedRoots = t.sharingRoots().filter(ownExposure).map((i) => t.itemId(i));
    const found = new Set(findings.map((f) => f.itemId));
    expect(exposedRoots.length).toBeGreaterThan(5);
    for (const id of exposedRoots) expect(found).toContain(id);
    for (const f of findings) expect(chainExposed(t.itemIndex(f.itemId))).toBe(true);
    // Expired-only, internal-only and link-less roots that nothing above exposes are not findings.
    const quiet = t.sharingRoots().filter((i) => !chainExposed(i)).map((i) => t.itemId(i));
    for (const id of quiet) expect(found).not.toContain(id);
    expect(run.status).toBe('completed');
    expect(run.stats.throttled).toBe(0);
    // Everything but the two setup reads (roster, verified domains) is the runner's.
    expect(run.stats.resourceUnits).toBe(after.ru - before.ru - 4);
    // Permissions were read for sharing roots only: 5 RU each, nothing per file.
    // (`shared: {}` — unique permissions but no links — needs no call either.)
    const permissionCalls = fake.api.log.filter((l) => l.path.includes('/permissions')).map((l) => l.path.split('/')[5]!);
    const rootsWithLinks = t.sharingRoots().filter((i) => t.ownPermissions(i).length > 0).map((i) => t.itemId(i));
    expect(permissionCalls.sort()).toEqual(rootsWithLinks.sort());
  });

  it('an incremental run picks up a new Anyone link and drops a removed one, reading only changes', async () => {
    const t = fake.tenant;
    const drive = t.drives[0]!;
    const removable = t.sharingRoots().find((i) => {
      const own = t.ownPermissions(i).filter(exposing);
      if (own.length !== 1) return false;
      for (let n = t.parentOf(i); n >= 0; n = t.parentOf(n)) if (ownExposure(n)) return false;
      return true;
    })!;
    const fresh = t.liveItems(drive).find((i) => !t.isFolder(i) && !chainExposed(i) && i !== removable)!;
    t.addLink(fresh, { scope: 'anonymous' });
    t.removePermission(removable, t.ownPermissions(removable).find(exposing)!.id);
    const logStart = fake.api.log.length;
    const { findings, run } = await audit('incremental');
    const found = new Set(findings.map((f) => f.itemId));
    expect(found).toContain(t.itemId(fresh));
    expect(found).not.toContain(t.itemId(removable));
    expect(run.mode).toBe('incremental');
    // Delta with tokens only (1 RU a page), and permissions for the two changed roots only.
    const calls = fake.api.log.slice(logStart);
    expect(calls.filter((l) => l.path.includes('/root/delta')).every((l) => l.cost === 1)).toBe(true);
    // The removed link leaves `shared: {}` (nothing to read); only the new root is fetched.
    expect(calls.filter((l) => l.path.includes('/permissions')).map((l) => l.path.split('/')[5])).toEqual([t.itemId(fresh)]);
  });

  it('remediates through DELETE …/permissions/{id}: dry run sends nothing, the read-only app is refused, the remediation app removes the link', async () => {
    const t = fake.tenant;
    const { findings } = await audit('incremental');
    const target = findings.find((f) => f.exposure.scope === 'anonymous' && f.exposure.viaItemId === f.itemId)!;
    const root = t.itemIndex(target.itemId);
    expect(t.ownPermissions(root).some((p) => p.id === target.exposure.permissionId)).toBe(true);
    const verifiedDomains = await getVerifiedDomains(c.edge);
    const remediate = (conn: Connection, dryRun: boolean) => {
      const graph = createSharingAuditGraph(conn.edge);
      return remediateFindings({ db, tenantId: fake.tenantId, target: { findingId: target.id }, dryRun, actor: { id: 'admin-1', name: 'Head teacher' }, verifiedDomains, permissions: graph, remover: graph, now: () => NOW });
    };

    const logStart = fake.api.log.length;
    const dry = await remediate(c, true);
    expect(dry.actions.map((a) => a.itemId)).toEqual([target.itemId]);
    expect(fake.api.log.slice(logStart).filter((l) => l.method === 'DELETE')).toEqual([]);

    const refused = await remediate(c, false);
    expect(refused.actions[0]!.outcome).toBe('failed');
    expect(fake.api.log.filter((l) => l.method === 'DELETE').at(-1)!.status).toBe(403);
    expect(t.ownPermissions(root).some((p) => p.id === target.exposure.permissionId)).toBe(true);

    const rw = connectToFake(fake, { clientId: REMEDIATOR.clientId, clientSecret: 'rw', budget: { ruPerMinute: 100_000 } });
    try {
      const done = await remediate(rw, false);
      expect(done.actions[0]).toMatchObject({ itemId: target.itemId, permissionId: target.exposure.permissionId, outcome: 'removed', stillExposed: false });
      expect(t.ownPermissions(root).some((p) => p.id === target.exposure.permissionId)).toBe(false);
    } finally {
      rw.close();
    }
  });
});
