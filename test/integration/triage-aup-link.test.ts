import { syncAudienceFromCsv } from '../../src/services/aup-audience';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { adaptiveCardProblems, cardText } from '../support/card-validation';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import { openActions, reportAndAwaitCard } from '../support/triage';

// Issue 5 item 7: a concern about misuse of technology shows the DSL the AUP status of the
// people it names (matched by normalised name, as concerns are linked to pupils).
describe(`AUP status on a misuse-of-technology concern (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false } });
    const deps = { db: h.db, now: () => new Date() };
    await syncAudienceFromCsv(deps, { tenantId: SCHOOL.tenantId, audience: 'staff', csv: `person_id,name,email\n${PEOPLE.dpo.aadObjectId},Dee DPO,\n${PEOPLE.teacher.aadObjectId},Sam Teacher,\n` });
    const { version } = await publishAupVersion(deps, {
      tenantId: SCHOOL.tenantId,
      publishedBy: PEOPLE.admin.aadObjectId,
      draft: { audience: 'staff', title: 'Staff AUP 2026', body: 'Use school systems for school purposes.', effectiveOn: '2026-09-01' },
    });
    await acknowledgeAup({ db: h.db, now: () => new Date(), validityMonths: 12 }, { tenantId: SCHOOL.tenantId, person: { aadObjectId: PEOPLE.dpo.aadObjectId, name: 'Dee DPO' }, versionId: version.versionId });
  });
  afterAll(() => h.stop());

  it('shows who agreed, who has not, and who has no record', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { category: 'misuse-of-technology', pupils: 'DPO Dee, sam.teacher, Nobody Known' });
    const view = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    expect(adaptiveCardProblems(view)).toEqual([]);
    const text = cardText(view);
    expect(text).toContain('Acceptable Use Policy');
    expect(text).toMatch(/DPO Dee\nStaff AUP 2026 \(version 1\): current, agreed/);
    expect(text).toMatch(/sam\.teacher\nStaff AUP 2026 \(version 1\): asked, not yet agreed/);
    expect(text).toContain('Nobody Known\nNo AUP record found under this name');
  });

  it('says nothing about AUPs on other kinds of concern', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { category: 'online-bullying', pupils: 'Dee DPO' });
    const view = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    expect(cardText(view)).not.toContain('Acceptable Use Policy');
  });
});
