// Removing a link from the tab when Microsoft 365 answers but will not do it, against the fake
// Entra + Graph tenant: the remediation app lacks Files.ReadWrite.All (Graph answers 403 to the
// DELETE), or the file is gone (404). Neither is an outage: the admin is not told to try again.
// A refusal answers 409 naming what IT must fix; a file already gone answers that it is gone.
import type { FakeGraphTenant } from '../fakes/graph-tenant';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listRemediations } from '../../src/store/sharing-remediations.repo';
import { linkInPlace, startRemediationScene, type OpenRootFinding, type RemediationScene } from '../support/audit-scene';
import { SCHOOL, type Harness } from '../support/harness';

// Consented for reading only: Graph refuses it the DELETE of a permission.
const READ_ONLY_REMEDIATOR = { clientId: 'eeeeeeee-5555-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['ro'] as [string], roles: ['Files.Read.All'] };

describe('removing a link from the tab when Microsoft 365 refuses, or the file is gone', () => {
  let scene: RemediationScene;
  let graph: FakeGraphTenant;
  let h: Harness;
  let candidates: OpenRootFinding[];

  beforeAll(async () => {
    scene = await startRemediationScene(READ_ONLY_REMEDIATOR);
    ({ graph, h, candidates } = scene);
    expect(candidates.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
  afterAll(async () => {
    await scene?.stop();
  });

  const removeLink = (findingId: string) => scene.removeLinkFromTab(findingId);

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
    expect(linkInPlace(graph, c)).toBe(true);
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
