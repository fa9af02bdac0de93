// Removing a link from the tab when Microsoft 365 answers but will not do it, against the fake
// Entra + Graph tenant: the remediation app lacks Files.ReadWrite.All (Graph answers 403 to the
// DELETE), or the file is gone (404). Neither is an outage: the admin is not told to try again.
// A refusal answers 409 naming what IT must fix; a file already gone answers that it is gone.
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { loadConfig } from '../../src/config';
import { runSharingAudit } from '../../src/jobs/sharing-audit/run-sharing-audit';
import { connectSharingAudit } from '../../src/services/sharing-audit-connection';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listRemediations } from '../../src/store/sharing-remediations.repo';
import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { fakeGraphEnv } from '../support/graph-env';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';

// Consented for reading only: Graph refuses it the DELETE of a permission.
const READ_ONLY_REMEDIATOR = { clientId: 'eeeeeeee-5555-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['ro'], roles: ['Files.Read.All'] };

describe('removing a link from the tab when Microsoft 365 refuses, or the file is gone', () => {
  let graph: FakeGraphTenant;
  let h: Harness;
  let idp: TestIdentityProvider;
  let candidates: { finding_id: string; item_id: string; permission_id: string }[];

  beforeAll(async () => {
    graph = await startFakeGraphTenant({
      tenant: { seed: 33, tenantId: SCHOOL.tenantId, items: 700, staff: 3, pupils: 6, sites: 0, sharingRootShare: 0.08 },
      ru: { limit: 100_000 },
      apps: [DEFAULT_APP, READ_ONLY_REMEDIATOR],
    });
    const env = { ...fakeGraphEnv(graph), REMEDIATION_ENABLED: 'true', GRAPH_REMEDIATION_CLIENT_ID: READ_ONLY_REMEDIATOR.clientId, GRAPH_REMEDIATION_CLIENT_SECRET: 'ro' };
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ env: { ...env, ...idp.env } });
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
    // Open findings on their own sharing root, with no exposed folder above them.
    candidates = await h.db.query<{ finding_id: string; item_id: string; permission_id: string }>(
      `SELECT f.finding_id, f.item_id, f.permission_id FROM findings f
       WHERE f.tenant_id = $1 AND f.status = 'open' AND f.item_id = f.via_item_id
         AND NOT EXISTS (SELECT 1 FROM findings a WHERE a.tenant_id = f.tenant_id AND a.drive_id = f.drive_id AND a.status = 'open'
                         AND a.item_id <> f.item_id AND starts_with(f.path, a.path || '/'))
       ORDER BY f.finding_id`,
      [SCHOOL.tenantId],
    );
    expect(candidates.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await graph?.close();
    await idp?.stop();
  });

  const removeLink = async (findingId: string) => {
    const res = await fetch(`${h.url}/api/tab/admin/sharing/findings/${findingId}/remove-link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await idp.mint(PEOPLE.admin)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: res.status, body: (await res.json()) as { error?: string; message: string; title?: string; status?: string } };
  };

  it('answers 409 naming the remediation app’s missing permission (not "try again"), sends the refused DELETE once, and changes nothing', async () => {
    const c = candidates[0]!;
    const deletes = () => graph.api.log.filter((l) => l.method === 'DELETE' && l.path.includes(`/items/${c.item_id}/permissions/`));
    const before = deletes().length;
    const refused = await removeLink(c.finding_id);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('graph_refused');
    expect(refused.body.message).toMatch(/Nothing was changed/);
    expect(refused.body.message).toMatch(/remediation app.*Files\.ReadWrite\.All.*docs\/permissions\.md/);
    expect(refused.body.message).not.toMatch(/try again/i);
    // A refusal is not retried: trying again changes nothing.
    expect(deletes().slice(before).map((l) => l.status)).toEqual([403]);
    expect((await getFinding(h.db, SCHOOL.tenantId, c.finding_id))!.status).toBe('open');
    expect((await listRemediations(h.db, SCHOOL.tenantId, c.finding_id)).map((r) => r.outcome)).toEqual(['failed']);
    expect(graph.tenant.ownPermissions(graph.tenant.itemIndex(c.item_id)).some((p) => p.id === c.permission_id)).toBe(true);
  });

  it('says the file is already gone when Graph no longer has it, and marks the finding remediated', async () => {
    const c = candidates[1]!;
    graph.tenant.deleteItem(c.item_id);
    const answer = await removeLink(c.finding_id);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ title: 'Already gone', status: 'remediated' });
    expect(answer.body.message).toMatch(/no longer exists/);
    expect((await getFinding(h.db, SCHOOL.tenantId, c.finding_id))!.status).toBe('remediated');
    expect((await listRemediations(h.db, SCHOOL.tenantId, c.finding_id)).map((r) => r.outcome)).toEqual(['not-found']);
  });
});
