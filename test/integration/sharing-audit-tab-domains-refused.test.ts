// Removing a sharing link from the tab when the app's audit registration lacks
// Organization.Read.All: Jigsaw cannot read the tenant's verified domains, so it cannot judge
// who is outside the school and must change nothing. The admin is told exactly that, and what
// IT must grant (a 409: pressing again will not help), not "an unexpected error".
import { DEFAULT_APP, type FakeGraphTenant } from '../fakes/graph-tenant';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listRemediations } from '../../src/store/sharing-remediations.repo';
import { linkInPlace, startRemediationScene, withOneExposingLink, type OpenRootFinding, type RemediationScene } from '../support/audit-scene';
import { SCHOOL, type Harness } from '../support/harness';

const REMEDIATOR = { clientId: 'dddddddd-6666-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'] as [string], roles: ['Files.ReadWrite.All'] };
const AUDIT_APP_WITHOUT_ORGANIZATION = {
  clientId: 'eeeeeeee-6666-4c2a-9d3e-5f6a7b8c9d0e',
  displayName: 'Jigsaw sharing audit (no Organization.Read.All)',
  secrets: ['ro'] as [string],
  roles: (DEFAULT_APP.roles ?? []).filter((r) => r !== 'Organization.Read.All'),
};

describe('removing a link from the tab when the audit app may not read the verified domains', () => {
  let scene: RemediationScene;
  let graph: FakeGraphTenant;
  let h: Harness;
  let candidate: OpenRootFinding;

  beforeAll(async () => {
    scene = await startRemediationScene(REMEDIATOR, AUDIT_APP_WITHOUT_ORGANIZATION);
    ({ graph, h } = scene);
    [candidate] = withOneExposingLink(graph, scene.candidates) as [OpenRootFinding];
    expect(candidate).toBeDefined();
  }, 60_000);
  afterAll(async () => {
    await scene?.stop();
  });

  it('answers 409 naming Organization.Read.All (and AUDIT_VERIFIED_DOMAINS), and changes nothing', async () => {
    const res = await scene.removeLinkFromTab(candidate.finding_id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'graph_refused', message: expect.stringMatching(/verified domains.*nothing was changed.*Organization\.Read\.All.*AUDIT_VERIFIED_DOMAINS/) });
    // /organization was asked, and refused: that is what the message is about.
    expect(graph.api.log.some((l) => l.path.includes('/organization') && l.status === 403)).toBe(true);
    expect((await getFinding(h.db, SCHOOL.tenantId, candidate.finding_id))!.status).toBe('open');
    expect(await listRemediations(h.db, SCHOOL.tenantId, candidate.finding_id)).toEqual([]);
    expect(linkInPlace(graph, candidate)).toBe(true);
  });
});
