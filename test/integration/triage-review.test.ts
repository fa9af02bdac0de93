import { REPORT_VERBS } from '../../src/cards/report-card';
import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { adaptiveCardProblems, cardText, findInput } from '../support/card-validation';
import { eventuallySome, type Harness, PEOPLE, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';
import { act, buttonData, openActions, pressInChannel, reportAndAwaitCard } from '../support/triage';
import { buildHelpCard } from '../../src/cards/help-card';

/** Every TextBlock text in a card (TextBlocks are markdown; user text belongs in TextRuns). */
function markdownTexts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => markdownTexts(n, out));
  else if (node && typeof node === 'object') {
    const n = node as Record<string, unknown>;
    if (n.type === 'TextBlock' && typeof n.text === 'string') out.push(n.text);
    Object.values(n).forEach((v) => typeof v === 'object' && markdownTexts(v, out));
  }
  return out;
}
const EVIL = '[Dana Lead](https://evil.example/login)';

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

  it('shows display names and typed references on triage cards literally, never as markdown', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    // Priya has the card open; a DSL whose Teams display name is a markdown link takes ownership first.
    const stale = await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId);
    await act(h, { ...PEOPLE.dsl1, name: EVIL }, c, TRIAGE_VERBS.takeOwnership);
    const refused = (await pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.takeOwnership, buttonData(stale, TRIAGE_VERBS.takeOwnership))).body.value;
    expect(cardText(refused)).toContain('Already owned by');
    expect(markdownTexts(refused).filter((t) => t.includes('evil.example'))).toEqual([]);
    // A reference typed with markdown comes back in the error under the field, literally.
    const badLink = await act(h, PEOPLE.dsl2, c, TRIAGE_VERBS.link, { linkReferences: '[C-2026-00001](https://evil.example/x)' });
    expect(cardText(badLink)).toContain('Give references like C-2026-00012');
    expect(markdownTexts(badLink).filter((t) => t.includes('evil.example'))).toEqual([]);
  });

  it('shows the DSL team\'s names on the help card literally', () => {
    const help = buildHelpCard({ schoolName: 'Halley', dslNames: [EVIL, 'Priya Deputy'] });
    expect(cardText(help)).toContain(EVIL);
    expect(markdownTexts(help).filter((t) => t.includes('evil.example'))).toEqual([]);
  });

  it('asks who the concern is about before the details when "Concern about an adult" is chosen for a pupil', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.chooseCategory, { category: 'concern-about-adult', about: 'pupil', submissionId: '00000000-0000-4000-9000-00000000c0c1', kept: { whatHappened: 'Typed before changing the kind.' } });
    const card = res.body.value;
    expect(findInput(card, 'about')).toBeDefined();
    expect(findInput(card, 'pupils')).toBeUndefined();
    expect(cardText(card)).toContain('say whether it is about a member of staff');
    expect(JSON.stringify(card)).toContain('Typed before changing the kind.');
  });

  it('keeps a note typed on a stale card when the concern was closed meanwhile (nothing recorded, nothing lost)', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    const stale = await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.close, { closeOutcome: 'monitor', closeRationale: 'Parents informed; monitoring.' });
    const note = 'Amelia came back at lunch and said the messages started again last night, from an older pupil.';
    const res = await pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.addNote, { ...buttonData(stale, TRIAGE_VERBS.addNote), note });
    const card = res.body.value;
    expect(cardText(card)).toContain('This concern is closed');
    expect(findInput(card, 'note')?.value).toBe(note);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const events = await h.db.query<{ event_type: string }>('SELECT event_type FROM concern_events WHERE concern_id = $1 ORDER BY seq', [c.concernId]);
    expect(events.map((e) => e.event_type)).toEqual(['reported', 'acknowledged', 'closed']);
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
