// Removing a sharing link from the tab while Microsoft 365 cannot be reached (the fake tenant
// refuses connections): the admin gets a 502 with a message saying nothing was changed, the
// finding stays open with its link in place and no removal recorded, and the same press works
// once Graph is back. Both before the app has used Graph and after (when it already knows the
// tenant's verified domains and holds a token, so the first call that fails is the permissions
// read of the remediation itself). The press gets the short interactive retry policy (one quick
// retry), counted in the requests the fake sees, while the background audit keeps its patient one.
import type { FakeGraphTenant } from '../fakes/graph-tenant';
import { loadConfig } from '../../src/config';
import { INTERACTIVE_MAX_RETRIES } from '../../src/graph/graph-client';
import { RuBudget } from '../../src/graph/ru-budget';
import { connectSharingAudit } from '../../src/services/sharing-audit-connection';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listRemediations } from '../../src/store/sharing-remediations.repo';
import type { TestUser } from '../support/activities';
import { expectNothingRemoved, linkInPlace, startRemediationScene, withOneExposingLink, type OpenRootFinding, type RemediationScene } from '../support/audit-scene';
import { PEOPLE, SCHOOL, type Harness } from '../support/harness';
import { fakeGraphEnv } from '../support/graph-env';

const REMEDIATOR = { clientId: 'dddddddd-4444-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'] as [string], roles: ['Files.ReadWrite.All'] };

describe('removing a link from the tab while Microsoft 365 cannot be reached', () => {
  let scene: RemediationScene;
  let graph: FakeGraphTenant;
  let h: Harness;
  /** Open findings whose sharing root has one exposing link of its own and no exposed folder above it. */
  let candidates: OpenRootFinding[];

  beforeAll(async () => {
    scene = await startRemediationScene(REMEDIATOR);
    ({ graph, h } = scene);
    candidates = withOneExposingLink(graph, scene.candidates);
    expect(candidates.length).toBeGreaterThanOrEqual(3);
  }, 60_000);
  afterAll(async () => {
    await scene?.stop();
  });

  const removeLink = (who: TestUser, findingId: string) => scene.removeLinkFromTab(findingId, who);

  /** The press during the outage: 502, a clear message, and nothing changed. */
  async function expectRefusedUnchanged(c: { finding_id: string; item_id: string; permission_id: string }) {
    const refused = await removeLink(PEOPLE.admin, c.finding_id);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ error: 'graph_unavailable', message: expect.stringMatching(/could not reach Microsoft 365.*nothing was changed/) });
    await expectNothingRemoved(h.db, graph, c);
  }

  /** The press once Graph is back: the link goes, recorded with the admin. */
  async function expectRemoved(c: { finding_id: string; item_id: string; permission_id: string }) {
    const removed = await removeLink(PEOPLE.admin, c.finding_id);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ title: 'Link removed', status: 'remediated' });
    expect(linkInPlace(graph, c)).toBe(false);
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
    expect(linkInPlace(graph, c)).toBe(true);
  });
});
