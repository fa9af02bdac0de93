// Removing a sharing link from the tab while Microsoft 365 cannot be reached (the fake tenant
// refuses connections): the admin gets a 502 with a message saying nothing was changed, the
// finding stays open with its link in place and no removal recorded, and the same press works
// once Graph is back. Both before the app has used Graph and after (when it already knows the
// tenant's verified domains and holds a token, so the first call that fails is the permissions
// read of the remediation itself). The press gets the short interactive retry policy (one quick
// retry), counted in the requests the fake sees, while the background audit keeps its patient one.
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { loadConfig } from '../../src/config';
import { INTERACTIVE_MAX_RETRIES } from '../../src/graph/graph-client';
import { RuBudget } from '../../src/graph/ru-budget';
import { runSharingAudit } from '../../src/jobs/sharing-audit/run-sharing-audit';
import { connectSharingAudit } from '../../src/services/sharing-audit-connection';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listRemediations } from '../../src/store/sharing-remediations.repo';
import type { TestUser } from '../support/activities';
import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { fakeGraphEnv } from '../support/graph-env';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';

const REMEDIATOR = { clientId: 'dddddddd-4444-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'], roles: ['Files.ReadWrite.All'] };

describe('removing a link from the tab while Microsoft 365 cannot be reached', () => {
  let graph: FakeGraphTenant;
  let h: Harness;
  let idp: TestIdentityProvider;
  /** Open findings whose sharing root has one exposing link of its own and no exposed folder above it. */
  let candidates: { finding_id: string; item_id: string; permission_id: string }[];

  beforeAll(async () => {
    graph = await startFakeGraphTenant({
      tenant: { seed: 33, tenantId: SCHOOL.tenantId, items: 700, staff: 3, pupils: 6, sites: 0, sharingRootShare: 0.08 },
      ru: { limit: 100_000 },
      apps: [DEFAULT_APP, REMEDIATOR],
    });
    const env = { ...fakeGraphEnv(graph), REMEDIATION_ENABLED: 'true', GRAPH_REMEDIATION_CLIENT_ID: REMEDIATOR.clientId, GRAPH_REMEDIATION_CLIENT_SECRET: 'rw' };
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ env: { ...env, ...idp.env } });
    // An audit as the CLI runs it, on the app's store (the app's own Graph connection stays unused).
    const connection = connectSharingAudit(loadConfig({ BOOTSTRAP_TENANT_ID: SCHOOL.tenantId, ...env }));
    try {
      await runSharingAudit({
        db: h.db,
        tenantId: SCHOOL.tenantId,
        mode: 'full',
        verifiedDomains: await connection.verifiedDomains(),
        roster: (await connection.roster()).pupils,
        delta: connection.audit,
        permissions: connection.audit,
        content: connection.audit,
        usage: connection.audit,
      });
    } finally {
      connection.close();
    }
    const rows = await h.db.query<{ finding_id: string; item_id: string; permission_id: string }>(
      `SELECT f.finding_id, f.item_id, f.permission_id FROM findings f
       WHERE f.tenant_id = $1 AND f.status = 'open' AND f.item_id = f.via_item_id
         AND NOT EXISTS (SELECT 1 FROM findings a WHERE a.tenant_id = f.tenant_id AND a.drive_id = f.drive_id AND a.status = 'open'
                         AND a.item_id <> f.item_id AND starts_with(f.path, a.path || '/'))
       ORDER BY f.finding_id`,
      [SCHOOL.tenantId],
    );
    const exposing = (itemId: string) => graph.tenant.ownPermissions(graph.tenant.itemIndex(itemId)).filter((p) => (p.link && p.link.scope !== 'users') || p.grantees.some((g) => g.kind === 'external'));
    candidates = rows.filter((c) => exposing(c.item_id).length === 1);
    expect(candidates.length).toBeGreaterThanOrEqual(3);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await graph?.setReachable(true);
    await graph?.close();
    await idp?.stop();
  });

  const removeLink = async (who: TestUser, findingId: string) => {
    const res = await fetch(`${h.url}/api/tab/admin/sharing/findings/${findingId}/remove-link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await idp.mint(who)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: res.status, body: await res.json() };
  };
  const linkInPlace = (c: { item_id: string; permission_id: string }) => graph.tenant.ownPermissions(graph.tenant.itemIndex(c.item_id)).some((p) => p.id === c.permission_id);

  /** The press during the outage: 502, a clear message, and nothing changed. */
  async function expectRefusedUnchanged(c: { finding_id: string; item_id: string; permission_id: string }) {
    const refused = await removeLink(PEOPLE.admin, c.finding_id);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ error: 'graph_unavailable', message: expect.stringMatching(/could not reach Microsoft 365.*nothing was changed/) });
    expect((await getFinding(h.db, SCHOOL.tenantId, c.finding_id))!.status).toBe('open');
    expect((await listRemediations(h.db, SCHOOL.tenantId, c.finding_id)).filter((r) => r.outcome === 'removed')).toEqual([]);
    expect(linkInPlace(c)).toBe(true);
  }

  /** The press once Graph is back: the link goes, recorded with the admin. */
  async function expectRemoved(c: { finding_id: string; item_id: string; permission_id: string }) {
    const removed = await removeLink(PEOPLE.admin, c.finding_id);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ title: 'Link removed', status: 'remediated' });
    expect(linkInPlace(c)).toBe(false);
    expect((await getFinding(h.db, SCHOOL.tenantId, c.finding_id))!.status).toBe('remediated');
    expect((await listRemediations(h.db, SCHOOL.tenantId, c.finding_id)).at(-1)).toMatchObject({ outcome: 'removed', actor: { id: PEOPLE.admin.aadObjectId } });
  }

  it('answers 502 on the app’s first use of Graph, changes nothing, and the press works once Graph is back', async () => {
    await graph.setReachable(false);
    await expectRefusedUnchanged(candidates[0]!);
    await graph.setReachable(true);
    await expectRemoved(candidates[0]!);
  });

  it('answers 502 too once the app has used Graph (domains known, token held), changes nothing, and the press works once Graph is back', async () => {
    await graph.setReachable(false);
    await expectRefusedUnchanged(candidates[1]!);
    await graph.setReachable(true);
    await expectRemoved(candidates[1]!);
  });

  it('tries a failing Graph call once more for the admin (not six times, as the background audit does), then answers 502', async () => {
    const c = candidates[2]!;
    const permissionReads = () => graph.api.log.filter((l) => l.path.includes(`/items/${c.item_id}/permissions`) && l.method === 'GET').length;
    // SharePoint answers 503 (Retry-After: 0, so no wait) on every permissions call.
    graph.injectFailures({ count: Number.POSITIVE_INFINITY, status: 503, retryAfterSeconds: 0, pathIncludes: '/permissions' });
    try {
      const before = permissionReads();
      const refused = await removeLink(PEOPLE.admin, c.finding_id);
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ error: 'graph_unavailable' });
      expect(permissionReads() - before).toBe(1 + INTERACTIVE_MAX_RETRIES);
      expect(INTERACTIVE_MAX_RETRIES).toBeLessThanOrEqual(2);

      // The background audit's connection keeps its patient policy over the same kind of failure.
      const connection = connectSharingAudit(loadConfig({ BOOTSTRAP_TENANT_ID: SCHOOL.tenantId, ...fakeGraphEnv(graph) }));
      try {
        const patientBefore = permissionReads();
        const [result] = await connection.audit.listPermissions((await getFinding(h.db, SCHOOL.tenantId, c.finding_id))!.driveId, [c.item_id]);
        expect(result).toMatchObject({ status: 'failed' });
        expect(permissionReads() - patientBefore).toBe(1 + new RuBudget().maxRetries);
      } finally {
        connection.close();
      }
    } finally {
      graph.api.clearFailures();
    }
    expect((await getFinding(h.db, SCHOOL.tenantId, c.finding_id))!.status).toBe('open');
    expect(linkInPlace(c)).toBe(true);
  });
});
