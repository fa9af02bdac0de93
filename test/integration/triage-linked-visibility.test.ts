import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { adaptiveCardProblems, cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { buttonData, reportAndAwaitCard } from '../support/triage';

/**
 * Linked concerns are listed (on the action card and in the chronology, on the card and in the
 * tab) only as far as the viewer may open them: someone given access to one concern about an
 * adult must not learn that another one exists.
 */
describe(`linked concerns shown only to those who may open them (${storeKind()})`, () => {
  let h: Harness;
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ connector: { rateLimits: false }, env: idp.env });
    await h.say(PEOPLE.dpo, 'hello');
    await eventually(() => h.fake.lastCardIn(h.personalConversationId(PEOPLE.dpo)), 5000, 'DPO greeting');
  });
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
  });

  const press = async (who: TestUser, verb: string, data: Record<string, unknown>) => (await h.invoke(who, verb, data)).body.value;
  const open = (who: TestUser, concernId: string) => press(who, TRIAGE_VERBS.refresh, { concernId });
  const tabDetail = async (who: TestUser, concernId: string) => {
    const res = await fetch(`${h.url}/api/tab/concerns/${concernId}`, { headers: { authorization: `Bearer ${await idp.mint(who)}` } });
    expect(res.status).toBe(200);
    return res.json();
  };
  const adultConcern = async (adultName: string) => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName });
    await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === h.personalConversationId(PEOPLE.head)), 5000, 'headteacher card');
    await press(PEOPLE.head, TRIAGE_VERBS.takeOwnership, buttonData(await open(PEOPLE.head, c.concernId), TRIAGE_VERBS.takeOwnership));
    return c;
  };

  it('hides from someone given access to A the concern B the headteacher linked to it, either way round', async () => {
    const a = await adultConcern('Mr J. Smith, teaching assistant');
    const b = await adultConcern('Ms P. Other, cleaner');
    const c = await adultConcern('Mr Q. Third, coach');
    await press(PEOPLE.head, TRIAGE_VERBS.addParticipant, { ...buttonData(await open(PEOPLE.head, a.concernId), TRIAGE_VERBS.addParticipant), participant: PEOPLE.dpo.aadObjectId });
    // Linked from A (the link is in A's chronology) and from C (only in C's).
    await press(PEOPLE.head, TRIAGE_VERBS.link, { ...buttonData(await open(PEOPLE.head, a.concernId), TRIAGE_VERBS.link), linkReferences: b.reference });
    await press(PEOPLE.head, TRIAGE_VERBS.link, { ...buttonData(await open(PEOPLE.head, c.concernId), TRIAGE_VERBS.link), linkReferences: a.reference });

    // The headteacher sees both links.
    const headView = cardText(await open(PEOPLE.head, a.concernId));
    expect(headView).toContain(`Linked concerns\n${b.reference} (Acknowledged), ${c.reference} (In progress)`);

    // Dee, given access to A only, sees neither B nor C: not in the list, not in the chronology.
    const deeCard = await open(PEOPLE.dpo, a.concernId);
    expect(adaptiveCardProblems(deeCard)).toEqual([]);
    const deeView = cardText(deeCard);
    expect(deeView).toContain('Mr J. Smith');
    expect(deeView).toContain('Linked to other pupils or concerns');
    expect(deeView).not.toContain('Linked concerns');
    expect(deeView).not.toContain(b.reference);
    expect(deeView).not.toContain(c.reference);

    // Nor in the tab's view of A.
    const deeTab = JSON.stringify(await tabDetail(PEOPLE.dpo, a.concernId));
    expect(deeTab).toContain('Mr J. Smith');
    expect(deeTab).not.toContain(b.reference);
    expect(deeTab).not.toContain(c.reference);
    expect(JSON.stringify(await tabDetail(PEOPLE.head, a.concernId))).toContain(b.reference);

    // Given access to B as well, Dee sees the link between them (and still not C).
    await press(PEOPLE.head, TRIAGE_VERBS.addParticipant, { ...buttonData(await open(PEOPLE.head, b.concernId), TRIAGE_VERBS.addParticipant), participant: PEOPLE.dpo.aadObjectId });
    const after = cardText(await open(PEOPLE.dpo, a.concernId));
    expect(after).toContain(`Linked concerns\n${b.reference} (Acknowledged)\n`);
    expect(after).not.toContain(c.reference);
    expect(JSON.stringify(await tabDetail(PEOPLE.dpo, a.concernId))).toContain(b.reference);
  });
});
