import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { listDslMembers } from '../../src/store/conversation.repo';
import { cardText, findActions } from '../support/card-validation';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import { openActions, reportAndAwaitCard } from '../support/triage';

/** "Who is a DSL" follows the DSL channel's Teams roster, not anything the card says. */
describe(`the DSL roster behind triage (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    // A roster older than 0 s is stale: every triage invoke asks Teams again.
    h = await startHarness({ connector: { rateLimits: false }, env: { DSL_ROSTER_TTL_SECONDS: '0' } });
  });
  afterAll(() => h.stop());

  it('refuses a DSL removed from the channel and accepts one added, once the cached roster expires', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    expect(findActions(await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId)).map((a) => a.verb)).toContain(TRIAGE_VERBS.takeOwnership);
    expect(cardText(await openActions(h, PEOPLE.head, c.concernId, c.activityId))).toContain('Read only');

    // In Teams: Priya leaves the DSL channel, Helen (headteacher) joins it. No event reaches Jigsaw.
    h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, [PEOPLE.dsl1.aadObjectId, PEOPLE.admin.aadObjectId, PEOPLE.head.aadObjectId]);

    const priya = await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId);
    expect(cardText(priya)).toContain('Read only');
    expect(cardText(priya)).not.toContain('Amelia');
    expect(findActions(await openActions(h, PEOPLE.head, c.concernId, c.activityId)).map((a) => a.verb)).toContain(TRIAGE_VERBS.takeOwnership);
    expect((await listDslMembers(h.db, SCHOOL.tenantId)).map((m) => m.displayName).sort()).toEqual(['Ari Admin', 'Dana Lead', 'Helen Head']);

    // Who joined and who left the DSL team is audited with the other role changes (once each).
    const changes = await h.db.query<{ display_name: string; change: string; by_aad_id: string }>(
      "SELECT display_name, change, by_aad_id FROM role_changes WHERE tenant_id = $1 AND role = 'dsl' ORDER BY change_id",
      [SCHOOL.tenantId],
    );
    const lines = changes.map((r) => `${r.change} ${r.display_name} by ${r.by_aad_id}`);
    expect(lines.slice(0, 3).sort()).toEqual(['assigned Ari Admin by teams', 'assigned Dana Lead by teams', 'assigned Priya Deputy by teams']);
    expect(lines.slice(3)).toEqual(['removed Priya Deputy by teams', 'assigned Helen Head by teams']);
  });

  it('keeps the stored roster when Teams cannot be asked', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    h.fake.failWhile(() => true, 503);
    try {
      // Dana is on the stored roster: still allowed while Teams is unavailable.
      expect(findActions(await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId)).map((a) => a.verb)).toContain(TRIAGE_VERBS.takeOwnership);
    } finally {
      h.fake.clearFaults();
    }
  });
});
