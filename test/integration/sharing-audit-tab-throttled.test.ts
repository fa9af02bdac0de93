// Removing a sharing link from the tab while Microsoft 365 is throttling the app (SharePoint
// answers 429 with Retry-After: 300, as it does when an app has spent its resource units). The
// pause is shared by every request of the app, so the background audit waits it out; the admin
// must not: the press answers 503 "try again in a few minutes" at once, and a second press
// during the pause is answered without sending anything to Microsoft 365. Nothing changes.
import type { FakeGraphTenant } from '../fakes/graph-tenant';
import type { TestUser } from '../support/activities';
import { expectNothingRemoved, startRemediationScene, withOneExposingLink, type OpenRootFinding, type RemediationScene } from '../support/audit-scene';
import { PEOPLE, type Harness } from '../support/harness';

const REMEDIATOR = { clientId: 'dddddddd-5555-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'] as [string], roles: ['Files.ReadWrite.All'] };

describe('removing a link from the tab while Microsoft 365 is throttling the app', () => {
  let scene: RemediationScene;
  let graph: FakeGraphTenant;
  let h: Harness;
  let candidates: OpenRootFinding[];

  beforeAll(async () => {
    scene = await startRemediationScene(REMEDIATOR);
    ({ graph, h } = scene);
    candidates = withOneExposingLink(graph, scene.candidates);
    expect(candidates.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
  afterAll(async () => {
    graph?.api.clearFailures();
    await scene?.stop();
  });

  const removeLink = (who: TestUser, findingId: string) => scene.removeLinkFromTab(findingId, who);
  const requestsSeen = () => graph.api.log.length;

  const expectUnchanged = (c: OpenRootFinding) => expectNothingRemoved(h.db, graph, c);

  it('answers 503 "try again in a few minutes" without waiting out a 5-minute pause, and sends nothing while it lasts', async () => {
    const [first, second] = candidates as [OpenRootFinding, OpenRootFinding];
    graph.injectFailures({ count: Number.POSITIVE_INFINITY, status: 429, retryAfterSeconds: 300, pathIncludes: '/permissions' });

    const throttled = await removeLink(PEOPLE.admin, first.finding_id);
    expect(throttled.status).toBe(503);
    expect(throttled.body).toMatchObject({ error: 'graph_busy', message: expect.stringMatching(/asked Jigsaw to slow down.*nothing was changed.*try again in a few minutes/i) });
    // (Had the press waited out the 300 s pause, the test's own timeout would have failed it.)
    await expectUnchanged(first);

    // During the pause the next press is answered by Jigsaw alone: Microsoft 365 sees nothing.
    const before = requestsSeen();
    const again = await removeLink(PEOPLE.admin, second.finding_id);
    expect(again.status).toBe(503);
    expect(again.body).toMatchObject({ error: 'graph_busy' });
    expect(requestsSeen()).toBe(before);
    await expectUnchanged(second);
  });
});
