import { REPORT_VERBS } from '../../src/cards/report-card';
import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { cardText } from '../support/card-validation';
import { eventuallySome, type Harness, PEOPLE, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';
import { buttonData, reportAndAwaitCard } from '../support/triage';

/** Findings of an adversarial review of the report and triage journeys. */
describe(`triage review findings (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false } });
  });
  afterAll(() => h.stop());

  const press = async (who: TestUser, verb: string, data: Record<string, unknown>) => (await h.invoke(who, verb, data)).body.value;
  const open = (who: TestUser, concernId: string) => press(who, TRIAGE_VERBS.refresh, { concernId });
  const inChatOf = (who: TestUser, reference: string) => eventuallySome(() => h.fake.findByText(reference).filter((m) => m.conversationId === h.personalConversationId(who)), 5000, `card for ${who.name}`);

  it('does not let the headteacher link (and so discover) a concern about the headteacher held by the chair', async () => {
    const aboutHead = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'headteacher', category: 'concern-about-adult', pupils: '' });
    await inChatOf(PEOPLE.chair, aboutHead.reference);
    const aboutAdult = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr J. Smith, teaching assistant' });
    await inChatOf(PEOPLE.head, aboutAdult.reference);

    const view = await open(PEOPLE.head, aboutAdult.concernId);
    await press(PEOPLE.head, TRIAGE_VERBS.takeOwnership, buttonData(view, TRIAGE_VERBS.takeOwnership));
    const after = await open(PEOPLE.head, aboutAdult.concernId);
    const attempt = await press(PEOPLE.head, TRIAGE_VERBS.link, { ...buttonData(after, TRIAGE_VERBS.link), linkReferences: aboutHead.reference });
    expect(cardText(attempt)).toContain(`No concern ${aboutHead.reference} that you can link to was found.`);
    const links = await h.db.query('SELECT 1 FROM concern_links WHERE concern_id = $1 OR linked_concern_id = $1', [aboutHead.concernId]);
    expect(links).toEqual([]);
  });
});

describe(`report review findings, no DSL channel yet (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false }, registerChannel: false });
  });
  afterAll(() => h.stop());

  it('still warns that the concern is not delivered when Send is pressed twice (the second receipt is the one shown)', async () => {
    const data = {
      about: 'pupil',
      category: 'online-bullying',
      pupils: 'Amelia Okonkwo (6B)',
      whatHappened: 'Amelia showed me messages in a class group chat calling her names.',
      occurredOn: '2026-11-20',
      location: 'Year 6 classroom',
      urgency: 'urgent',
      submissionId: '00000000-0000-4000-9000-00000000d0b1',
    };
    const first = cardText((await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, data)).body.value);
    const second = cardText((await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, data)).body.value);
    expect(first).toContain('Not delivered yet: the DSL channel is not set up');
    expect(/C-\d{4}-\d{5}/.exec(second)?.[0]).toBe(/C-\d{4}-\d{5}/.exec(first)?.[0]);
    expect(second).toContain('Not delivered yet: the DSL channel is not set up');
  });
});
