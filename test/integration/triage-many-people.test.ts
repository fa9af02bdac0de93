import { MAX_PARTICIPANT_CHOICES, TRIAGE_VERBS } from '../../src/cards/triage-card';
import { adaptiveCardProblems, cardText, findInput } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { buttonData, reportAndAwaitCard } from '../support/triage';

const EXTRA = 250;

/**
 * A school where more people have used Jigsaw than the card's "Give someone access" list holds:
 * the card says its list is cut short and where everyone is listed (the tab), and the server
 * accepts anyone Jigsaw can reach, looked up by id, listed on the card or not.
 */
describe(`giving access when more people use Jigsaw than a card lists (${storeKind()})`, () => {
  let h: Harness;
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ connector: { rateLimits: false }, env: idp.env });
    await h.say(PEOPLE.dpo, 'hello');
    await eventually(() => h.fake.lastCardIn(h.personalConversationId(PEOPLE.dpo)), 5000, 'DPO greeting');
    // 250 colleagues whose names sort before "Dee DPO" have chatted with Jigsaw.
    for (let i = 0; i < EXTRA; i++) {
      const n = String(i).padStart(3, '0');
      await h.db.query(
        `INSERT INTO personal_conversations (tenant_id, aad_object_id, teams_user_id, conversation_id, service_url, bot_id, display_name) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [SCHOOL.tenantId, `00000000-0000-4000-8000-000000${n}000`, `29:colleague-${n}`, `a:colleague-${n}`, h.fake.serviceUrl, SCHOOL.botId, `Aa Colleague ${n}`],
      );
    }
  });
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
  });

  const press = async (who: TestUser, verb: string, data: Record<string, unknown>) => (await h.invoke(who, verb, data)).body.value;
  const open = (who: TestUser, concernId: string) => press(who, TRIAGE_VERBS.refresh, { concernId });

  it('lists 200 on the card, says so, and gives access to someone further down the list', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr J. Smith, teaching assistant' });
    await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === h.personalConversationId(PEOPLE.head)), 5000, 'headteacher card');
    await press(PEOPLE.head, TRIAGE_VERBS.takeOwnership, buttonData(await open(PEOPLE.head, c.concernId), TRIAGE_VERBS.takeOwnership));

    const view = await open(PEOPLE.head, c.concernId);
    expect(adaptiveCardProblems(view)).toEqual([]);
    const choices = (findInput(view, 'participant')?.choices as { value: string; title: string }[]).map((x) => x.value);
    expect(choices).toHaveLength(MAX_PARTICIPANT_CHOICES);
    expect(choices).not.toContain(PEOPLE.dpo.aadObjectId);
    expect(cardText(view)).toContain('Only the first 200 people by name are listed here. To give access to someone who is not listed, open this concern in the Jigsaw tab (About adults)');

    // The tab lists everyone Jigsaw can reach.
    const res = await fetch(`${h.url}/api/tab/concerns/${c.concernId}`, { headers: { authorization: `Bearer ${await idp.mint(PEOPLE.head)}` } });
    expect(res.status).toBe(200);
    const people = ((await res.json()) as { choices: { people: { id: string }[] } }).choices.people.map((p) => p.id);
    expect(people.length).toBeGreaterThan(EXTRA);
    expect(people).toContain(PEOPLE.dpo.aadObjectId);

    // Dee is not on the card's list, and is given access all the same (from the tab, or a card).
    const added = await press(PEOPLE.head, TRIAGE_VERBS.addParticipant, { ...buttonData(view, TRIAGE_VERBS.addParticipant), participant: PEOPLE.dpo.aadObjectId });
    expect(cardText(added)).toContain('Recorded: Someone was given access');
    expect(cardText(added)).toContain('Dee DPO');
    expect(await h.db.query('SELECT 1 FROM concern_participants WHERE concern_id = $1 AND aad_object_id = $2', [c.concernId, PEOPLE.dpo.aadObjectId])).toHaveLength(1);
    expect(cardText(await open(PEOPLE.dpo, c.concernId))).toContain('Mr J. Smith');

    // Someone Jigsaw cannot reach is still refused.
    const unknown = await press(PEOPLE.head, TRIAGE_VERBS.addParticipant, { ...buttonData(added, TRIAGE_VERBS.addParticipant), participant: '99999999-0000-4000-8000-000000000099' });
    expect(cardText(unknown)).toContain('Jigsaw does not know them yet');
  });
});
