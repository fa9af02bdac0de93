import { randomUUID } from 'node:crypto';
import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { DSL_CHANNEL_TARGET } from '../../src/services/report-concern';
import { listAccessLog } from '../../src/store/access-log.repo';
import { adaptiveCardProblems, cardText, findActions, findInput } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';
import { act, awaitConcernDelivered, buttonData, cardOf, reportAndAwaitCard } from '../support/triage';

/** Concerns about adults: only their recipient and the people they add; never the DSL team. */
describe(`who may see and act on a concern about an adult (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false } });
    // The DPO has chatted with Jigsaw, so the headteacher can give them access.
    await h.say(PEOPLE.dpo, 'hello');
    await eventually(() => h.fake.lastCardIn(h.personalConversationId(PEOPLE.dpo)), 5000, 'DPO greeting');
  });
  afterAll(() => h.stop());

  const press = async (who: TestUser, verb: string, data: Record<string, unknown>) => (await h.invoke(who, verb, data)).body.value;
  const open = (who: TestUser, concernId: string) => press(who, TRIAGE_VERBS.refresh, { concernId });

  it('lets the headteacher triage it from their private chat, and nobody in the DSL team see it', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr J. Smith, teaching assistant' });
    const [inHeadChat] = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === h.personalConversationId(PEOPLE.head)), 5000, 'headteacher card');
    const shared = cardOf(inHeadChat);
    expect(adaptiveCardProblems(shared)).toEqual([]);
    expect((shared.actions as { verb: string }[]).map((a) => a.verb)).toEqual([TRIAGE_VERBS.refresh]);

    for (const dsl of [PEOPLE.dsl1, PEOPLE.admin]) {
      const refused = await open(dsl, c.concernId);
      expect(cardText(refused)).toContain('not available to you');
      expect(cardText(refused)).not.toContain(c.reference);
      expect(cardText(refused)).not.toContain('Smith');
    }
    expect((await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'refused' })).map((e) => e.actorAadId)).toEqual([PEOPLE.dsl1.aadObjectId, PEOPLE.admin.aadObjectId]);

    const view = await open(PEOPLE.head, c.concernId);
    expect(adaptiveCardProblems(view)).toEqual([]);
    expect(cardText(view)).toContain('Mr J. Smith, teaching assistant');
    const taken = await press(PEOPLE.head, TRIAGE_VERBS.takeOwnership, buttonData(view, TRIAGE_VERBS.takeOwnership));
    expect(cardText(taken)).toContain('Recorded: Acknowledged');
    expect(cardText(taken)).toContain('Nobody else: only you');
    // The recipient can give access to people Jigsaw knows.
    const choices = (findInput(taken, 'participant')?.choices as { value: string }[]).map((c) => c.value);
    expect(choices).toContain(PEOPLE.dpo.aadObjectId);

    // Never in the DSL channel, never in the DSL team's per-pupil view: nothing of the concern is
    // queued for the channel, and once all that was queued has been delivered, none of it is there.
    const queued = await h.db.query<{ target_key: string; status: string }>('SELECT target_key, status FROM outbox WHERE idempotency_key LIKE $1', [`concern:${c.concernId}:%`]);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.filter((m) => m.target_key === DSL_CHANNEL_TARGET)).toEqual([]);
    await awaitConcernDelivered(h, c.concernId);
    expect(h.fake.findByText(c.reference).filter((m) => m.conversationId.startsWith(SCHOOL.dslChannel.id))).toHaveLength(0);
    // The reporter is told, naming the role only.
    const [feedback] = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === h.personalConversationId(PEOPLE.teacher) && cardText(cardOf(m)).includes('Update on your concern')), 5000, 'feedback');
    expect(cardText(cardOf(feedback))).toContain('picked up by the headteacher');
    expect(cardText(cardOf(feedback))).not.toContain('Smith');

    // A DSL cannot link to it from a pupil concern either (its reference is not found for them).
    const pupilConcern = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, pupilConcern, TRIAGE_VERBS.takeOwnership);
    const linkAttempt = await act(h, PEOPLE.dsl1, pupilConcern, TRIAGE_VERBS.link, { linkReferences: c.reference });
    expect(cardText(linkAttempt)).toContain(`No concern ${c.reference} that you can link to was found.`);
    expect(adaptiveCardProblems(linkAttempt)).toEqual([]);
  });

  it('gives access to the people the recipient adds, and only the recipient may add', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Ms K. Lee, volunteer' });
    await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === h.personalConversationId(PEOPLE.head)), 5000, 'headteacher card');
    expect(cardText(await open(PEOPLE.dpo, c.concernId))).toContain('not available to you');

    const view = await open(PEOPLE.head, c.concernId);
    await press(PEOPLE.head, TRIAGE_VERBS.takeOwnership, buttonData(view, TRIAGE_VERBS.takeOwnership));
    const after = await open(PEOPLE.head, c.concernId);
    const added = await press(PEOPLE.head, TRIAGE_VERBS.addParticipant, { ...buttonData(after, TRIAGE_VERBS.addParticipant), participant: PEOPLE.dpo.aadObjectId });
    expect(cardText(added)).toContain('Dee DPO');
    expect(adaptiveCardProblems(added)).toEqual([]);

    // The DPO gets their own copy and can now act.
    await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === h.personalConversationId(PEOPLE.dpo)), 5000, 'participant copy');
    const dpoView = await open(PEOPLE.dpo, c.concernId);
    expect(cardText(dpoView)).toContain('Ms K. Lee, volunteer');
    const note = await press(PEOPLE.dpo, TRIAGE_VERBS.addNote, { ...buttonData(dpoView, TRIAGE_VERBS.addNote), note: 'Spoke to the LADO, who advised a strategy meeting.' });
    expect(cardText(note)).toContain('Recorded: Note added');
    // But cannot give anyone else access.
    // Their card does not offer it (they see who else has access)…
    expect(findActions(dpoView).map((a) => a.verb)).not.toContain(TRIAGE_VERBS.addParticipant);
    expect(cardText(dpoView)).not.toContain('Give someone access');
    expect(cardText(dpoView)).toContain('Who else can see this');
    // …and a forged invoke (card data is never trusted) is refused by the server's own records.
    const forged = { verb: TRIAGE_VERBS.addParticipant, concernId: c.concernId, actionId: randomUUID(), participant: PEOPLE.teacher.aadObjectId };
    const refusedAdd = await press(PEOPLE.dpo, TRIAGE_VERBS.addParticipant, forged);
    expect(cardText(refusedAdd)).toContain('Only the recipient of this concern can give others access.');
    // The DSL team still cannot.
    expect(cardText(await open(PEOPLE.dsl2, c.concernId))).toContain('not available to you');
  });

  it('sends a concern about the headteacher to the chair, and the headteacher cannot open it', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'headteacher', category: 'concern-about-adult', pupils: '' });
    await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === h.personalConversationId(PEOPLE.chair)), 5000, 'chair card');
    expect(cardText(await open(PEOPLE.head, c.concernId))).toContain('not available to you');
    const chairView = await open(PEOPLE.chair, c.concernId);
    expect(findActions(chairView).map((a) => a.verb)).toContain(TRIAGE_VERBS.takeOwnership);
  });
});
