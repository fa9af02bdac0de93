import { MAX_PRIMARY_ACTIONS, TRIAGE_VERBS } from '../../src/cards/triage-card';
import { listAccessLog } from '../../src/store/access-log.repo';
import { assignRole, clearRole } from '../../src/store/tenant.repo';
import { adaptiveCardProblems, cardText, findActions, findInput } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';
import { act, awaitConcernDelivered, buttonData, cardOf, openActions, pressInChannel, reportAndAwaitCard } from '../support/triage';

const TAKEN_OVER_KIND = 'concern.taken-over-notice';

async function events(h: Harness, concernId: string): Promise<string[]> {
  const rows = await h.db.query<{ event_type: string }>('SELECT event_type FROM concern_events WHERE concern_id = $1 ORDER BY seq', [concernId]);
  return rows.map((r) => r.event_type);
}

async function owner(h: Harness, concernId: string): Promise<string | null> {
  const [row] = await h.db.query<{ owner_aad_id: string | null }>('SELECT owner_aad_id FROM concerns WHERE concern_id = $1', [concernId]);
  return row.owner_aad_id;
}

const verbsOf = (card: unknown) => findActions(card).map((a) => a.verb);
const inChatOf = (h: Harness, who: TestUser, reference: string) => h.fake.findByText(reference).filter((m) => m.conversationId === h.fake.personalConversationId(who.aadObjectId));

/**
 * Taking over a concern whose owner is away or gone: another member of the DSL team (for a
 * concern about an adult, its current recipient) takes ownership, with a reason, recorded as its
 * own chronology event; the previous owner is told privately while they can still see the concern.
 */
describe(`taking over a concern (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    // Every triage invoke asks Teams for the DSL channel's roster: leaving the channel counts at once.
    h = await startHarness({ connector: { rateLimits: false }, env: { DSL_ROSTER_TTL_SECONDS: '0' } });
  });
  afterAll(() => h.stop());

  it('lets another DSL take over with a reason: chronology, owner, shared card, and the previous owner told privately', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    await awaitConcernDelivered(h, c.concernId);

    // Offered to another DSL, not to the owner.
    expect(verbsOf(await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId))).not.toContain(TRIAGE_VERBS.takeOver);
    const priyaView = await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId);
    expect(adaptiveCardProblems(priyaView)).toEqual([]);
    expect(verbsOf(priyaView)).toContain(TRIAGE_VERBS.takeOver);
    expect((priyaView.actions as unknown[]).length).toBeLessThanOrEqual(MAX_PRIMARY_ACTIONS);

    // The reason is required: the form comes back open and nothing changes.
    const noReason = await pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.takeOver, { ...buttonData(priyaView, TRIAGE_VERBS.takeOver), takeOverReason: '  ' });
    expect(cardText(noReason.body.value)).toContain('Say why you are taking it over');
    expect(adaptiveCardProblems(noReason.body.value)).toEqual([]);
    expect(await owner(h, c.concernId)).toBe(PEOPLE.dsl1.aadObjectId);

    const REASON = 'Dana is on long-term sick leave.';
    const taken = await act(h, PEOPLE.dsl2, c, TRIAGE_VERBS.takeOver, { takeOverReason: REASON });
    expect(adaptiveCardProblems(taken)).toEqual([]);
    expect(cardText(taken)).toContain('Recorded: Ownership taken over');
    expect(verbsOf(taken)).not.toContain(TRIAGE_VERBS.takeOver);

    const [row] = await h.db.query<Record<string, unknown>>('SELECT status, owner_aad_id, owner_name FROM concerns WHERE concern_id = $1', [c.concernId]);
    expect(row).toEqual({ status: 'acknowledged', owner_aad_id: PEOPLE.dsl2.aadObjectId, owner_name: 'Priya Deputy' });
    // A distinct, sealed chronology event: who from, who to, why, when.
    expect(await events(h, c.concernId)).toEqual(['reported', 'acknowledged', 'ownership-taken-over']);
    expect(JSON.stringify(await h.db.query('SELECT * FROM concern_events WHERE concern_id = $1', [c.concernId]))).not.toContain('sick leave');
    const last = (await h.app.concerns.listEvents(h.db, SCHOOL.tenantId, c.concernId)).at(-1)!;
    expect(last).toMatchObject({
      type: 'ownership-taken-over',
      actor: { aadObjectId: PEOPLE.dsl2.aadObjectId, name: 'Priya Deputy' },
      details: { previousOwner: 'Dana Lead', previousOwnerAadId: PEOPLE.dsl1.aadObjectId, owner: 'Priya Deputy', reason: REASON },
    });
    expect(last.occurredAt).toBeInstanceOf(Date);
    expect((await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'allowed' })).map((e) => e.verb)).toContain(TRIAGE_VERBS.takeOver);
    // The chronology on the card says it, names and words literally.
    expect(cardText(taken)).toContain('Ownership taken over');
    expect(cardText(taken)).toContain(REASON);

    // The shared card in the channel names the new owner (rendered from the store).
    await eventually(() => {
      const shared = h.fake.activitiesIn(SCHOOL.dslChannel.id).find((m) => m.activityId === c.activityId);
      const text = shared ? cardText(cardOf(shared)) : '';
      return text.includes('Priya Deputy') && text.includes('Ownership taken over');
    }, 10_000, 'the updated channel card');

    // Dana, still a DSL, is told privately: who took over and why; nothing of the case.
    const [notice] = await eventuallySome(() => inChatOf(h, PEOPLE.dsl1, c.reference), 10_000, "Dana's notice");
    const noticeText = cardText(cardOf(notice));
    expect(adaptiveCardProblems(cardOf(notice))).toEqual([]);
    expect(noticeText).toContain('Priya Deputy');
    expect(noticeText).toContain(REASON);
    expect(noticeText).not.toContain('Amelia');
    // The reporter hears nothing new (the concern was already acknowledged).
    await awaitConcernDelivered(h, c.concernId);
    const feedback = inChatOf(h, PEOPLE.teacher, c.reference).filter((m) => cardText(cardOf(m)).includes('Update on your concern'));
    expect(feedback).toHaveLength(1);
  });

  it('refuses a stale card, the owner themselves, a closed concern, an unowned one and anyone outside the DSL team, keeping what was typed', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    // Priya and Ari both see the card offering to take over from Dana.
    const [priyaCard, ariCard] = [await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId), await openActions(h, PEOPLE.admin, c.concernId, c.activityId)];
    const priyaData = buttonData(priyaCard, TRIAGE_VERBS.takeOver);
    await pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.takeOver, { ...priyaData, takeOverReason: 'Dana is away this week.' });
    expect(await owner(h, c.concernId)).toBe(PEOPLE.dsl2.aadObjectId);
    const before = await events(h, c.concernId);

    // Ari's card still shows Dana as the owner: the first committed change wins, his words come back.
    const stale = (await pressInChannel(h, PEOPLE.admin, c.activityId, TRIAGE_VERBS.takeOver, { ...buttonData(ariCard, TRIAGE_VERBS.takeOver), takeOverReason: 'Dana has left.' })).body.value;
    expect(adaptiveCardProblems(stale)).toEqual([]);
    expect(cardText(stale)).toContain('The owner has changed since you last saw this concern: Priya Deputy owns this concern now.');
    expect(findInput(stale, 'takeOverReason')?.value).toBe('Dana has left.');
    // Its button now takes over from Priya, if Ari still means to.
    expect(buttonData(stale, TRIAGE_VERBS.takeOver).fromOwner).toBe(PEOPLE.dsl2.aadObjectId);

    // Priya presses her own (old) button again: she owns it already.
    const self = (await pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.takeOver, { ...priyaData, actionId: '22222222-2222-4222-8222-222222222222', takeOverReason: 'again' })).body.value;
    expect(cardText(self)).toContain('You already own this concern.');

    // Someone outside the DSL team replays a DSL's button: read only, nothing changes.
    const head = (await pressInChannel(h, PEOPLE.head, c.activityId, TRIAGE_VERBS.takeOver, { ...buttonData(stale, TRIAGE_VERBS.takeOver), takeOverReason: 'mine now' })).body.value;
    expect(cardText(head)).toContain('Read only');
    expect(findActions(head)).toHaveLength(0);

    // Closed meanwhile.
    const closeData = buttonData(await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId), TRIAGE_VERBS.close);
    await pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.close, { ...closeData, closeOutcome: 'monitor', closeRationale: 'Resolved with the family.' });
    const closed = (await pressInChannel(h, PEOPLE.admin, c.activityId, TRIAGE_VERBS.takeOver, { ...buttonData(stale, TRIAGE_VERBS.takeOver), takeOverReason: 'Priya is on leave.' })).body.value;
    expect(cardText(closed)).toContain('This concern is closed');
    expect(findInput(closed, 'takeOverReason')?.value).toBe('Priya is on leave.');
    expect(adaptiveCardProblems(closed)).toEqual([]);
    expect(verbsOf(await openActions(h, PEOPLE.admin, c.concernId, c.activityId))).not.toContain(TRIAGE_VERBS.takeOver);

    expect(await events(h, c.concernId)).toEqual([...before, 'closed']);
    expect(await owner(h, c.concernId)).toBe(PEOPLE.dsl2.aadObjectId);
    const rejected = await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'rejected' });
    expect(rejected.map((e) => e.reason)).toEqual(expect.arrayContaining(['owner-changed', 'unchanged', 'closed']));
    expect((await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'refused' })).map((e) => e.actorAadId)).toEqual([PEOPLE.head.aadObjectId]);

    // A concern nobody owns is taken with "Take ownership", not taken over.
    const unowned = await reportAndAwaitCard(h, PEOPLE.teacher);
    const fresh = await openActions(h, PEOPLE.dsl2, unowned.concernId, unowned.activityId);
    expect(verbsOf(fresh)).not.toContain(TRIAGE_VERBS.takeOver);
    const forged = (await pressInChannel(h, PEOPLE.dsl2, unowned.activityId, TRIAGE_VERBS.takeOver, { ...buttonData(fresh, TRIAGE_VERBS.takeOwnership), takeOverReason: 'x' })).body.value;
    expect(cardText(forged)).toContain('Nobody owns this concern');
    expect(await events(h, unowned.concernId)).toEqual(['reported']);
    // Nobody was told anything about a take-over that did not happen.
    const notices = await h.db.query(`SELECT 1 FROM outbox WHERE kind = $1 AND payload->>'concernId' = ANY($2::text[])`, [TAKEN_OVER_KIND, [unowned.concernId]]);
    expect(notices).toHaveLength(0);
  });

  it('does not tell a previous owner who has left the DSL team', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    // In Teams: Dana leaves the DSL channel.
    h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, [PEOPLE.dsl2.aadObjectId, PEOPLE.admin.aadObjectId]);
    try {
      const taken = await act(h, PEOPLE.dsl2, c, TRIAGE_VERBS.takeOver, { takeOverReason: 'Dana has left the school.' });
      expect(cardText(taken)).toContain('Recorded: Ownership taken over');
      expect(await owner(h, c.concernId)).toBe(PEOPLE.dsl2.aadObjectId);
      expect(await h.db.query(`SELECT 1 FROM outbox WHERE kind = $1 AND payload->>'concernId' = $2`, [TAKEN_OVER_KIND, c.concernId])).toHaveLength(0);
      await awaitConcernDelivered(h, c.concernId);
      expect(inChatOf(h, PEOPLE.dsl1, c.reference)).toHaveLength(0);
    } finally {
      h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, [PEOPLE.dsl1.aadObjectId, PEOPLE.dsl2.aadObjectId, PEOPLE.admin.aadObjectId]);
    }
  });

  it('for a concern about an adult, lets the current recipient take over, and not the people they added', async () => {
    await h.say(PEOPLE.dpo, 'hello');
    await eventually(() => h.fake.lastCardIn(h.personalConversationId(PEOPLE.dpo)), 5000, 'DPO greeting');
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr J. Smith, teaching assistant' });
    await eventuallySome(() => inChatOf(h, PEOPLE.head, c.reference), 5000, 'headteacher card');
    const press = async (who: TestUser, verb: string, data: Record<string, unknown>) => (await h.invoke(who, verb, data)).body.value;
    const open = (who: TestUser) => press(who, TRIAGE_VERBS.refresh, { concernId: c.concernId });

    await press(PEOPLE.head, TRIAGE_VERBS.takeOwnership, buttonData(await open(PEOPLE.head), TRIAGE_VERBS.takeOwnership));
    await press(PEOPLE.head, TRIAGE_VERBS.addParticipant, { ...buttonData(await open(PEOPLE.head), TRIAGE_VERBS.addParticipant), participant: PEOPLE.dpo.aadObjectId });

    // The DPO was given access, not the recipient's role: no "Take over", and a forged one is refused.
    const dpoView = await open(PEOPLE.dpo);
    expect(cardText(dpoView)).toContain('Mr J. Smith');
    expect(verbsOf(dpoView)).not.toContain(TRIAGE_VERBS.takeOver);
    const forged = await press(PEOPLE.dpo, TRIAGE_VERBS.takeOver, { ...buttonData(dpoView, TRIAGE_VERBS.addNote), fromOwner: PEOPLE.head.aadObjectId, takeOverReason: 'Helen is away.' });
    expect(cardText(forged)).toContain('Only the recipient of this concern can take it over.');
    expect(findInput(forged, 'takeOverReason')?.value).toBe('Helen is away.');
    expect(await owner(h, c.concernId)).toBe(PEOPLE.head.aadObjectId);

    // A new headteacher takes up the role (Helen has left): they may take the concern over.
    await clearRole(h.db, SCHOOL.tenantId, 'headteacher');
    await assignRole(h.db, SCHOOL.tenantId, 'headteacher', PEOPLE.admin.aadObjectId);
    try {
      const newHead = await open(PEOPLE.admin);
      expect(adaptiveCardProblems(newHead)).toEqual([]);
      expect(verbsOf(newHead)).toContain(TRIAGE_VERBS.takeOver);
      const taken = await press(PEOPLE.admin, TRIAGE_VERBS.takeOver, { ...buttonData(newHead, TRIAGE_VERBS.takeOver), takeOverReason: 'Helen has left; I am the new headteacher.' });
      expect(cardText(taken)).toContain('Recorded: Ownership taken over');
      expect(await owner(h, c.concernId)).toBe(PEOPLE.admin.aadObjectId);
      expect(await events(h, c.concernId)).toEqual(['reported', 'acknowledged', 'participant-added', 'ownership-taken-over']);
      // Helen no longer holds the role and was never added: she is not told.
      expect(await h.db.query(`SELECT 1 FROM outbox WHERE kind = $1 AND payload->>'concernId' = $2`, [TAKEN_OVER_KIND, c.concernId])).toHaveLength(0);
    } finally {
      await clearRole(h.db, SCHOOL.tenantId, 'headteacher');
      await assignRole(h.db, SCHOOL.tenantId, 'headteacher', PEOPLE.head.aadObjectId);
    }
  });
});
