import { MAX_PRIMARY_ACTIONS, TRIAGE_VERBS } from '../../src/cards/triage-card';
import { listAccessLog } from '../../src/store/access-log.repo';
import { adaptiveCardProblems, cardText, findActions, findInput } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import { act, awaitConcernDelivered, buttonData, cardOf, channelPosts, openActions, pressInChannel, reportAndAwaitCard } from '../support/triage';

const channelCard = (h: Harness, activityId: string) => {
  const message = h.fake.activitiesIn(SCHOOL.dslChannel.id).find((m) => m.activityId === activityId);
  return message ? cardOf(message) : undefined;
};

const reporterChat = (h: Harness) => h.fake.personalConversationId(PEOPLE.teacher.aadObjectId);

async function events(h: Harness, concernId: string): Promise<string[]> {
  const rows = await h.db.query<{ event_type: string }>('SELECT event_type FROM concern_events WHERE concern_id = $1 ORDER BY seq', [concernId]);
  return rows.map((r) => r.event_type);
}

describe(`triage in the DSL channel (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false } });
  });
  afterAll(() => h.stop());

  it('posts a shared card that refreshes into each DSL\'s own view and changes nothing by itself', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    const card = channelCard(h, c.activityId);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(card.refresh.action).toMatchObject({ type: 'Action.Execute', verb: TRIAGE_VERBS.refresh, data: { concernId: c.concernId } });
    expect([...card.refresh.userIds].sort()).toEqual([PEOPLE.admin.teamsId, PEOPLE.dsl1.teamsId, PEOPLE.dsl2.teamsId].sort());
    // The shared card carries no action that changes anything (no action id to be replayed by others).
    expect((card.actions as { verb: string }[]).map((a) => a.verb)).toEqual([TRIAGE_VERBS.refresh]);

    const view = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    expect(adaptiveCardProblems(view)).toEqual([]);
    expect(cardText(view)).toContain('Amelia Okonkwo (6B)');
    expect(findActions(view).map((a) => a.verb)).toContain(TRIAGE_VERBS.takeOwnership);
    expect(findActions(view).map((a) => a.verb)).not.toContain(TRIAGE_VERBS.close);
  });

  it('refuses, logs and answers with the read-only card someone who is not in the DSL channel', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    const view = await openActions(h, PEOPLE.dsl2, c.concernId, c.activityId);
    const takeData = buttonData(view, TRIAGE_VERBS.takeOwnership);

    // The head teacher replays a DSL's button (card data is not a credential).
    const res = await pressInChannel(h, PEOPLE.head, c.activityId, TRIAGE_VERBS.takeOwnership, takeData);
    const card = res.body.value;
    expect(adaptiveCardProblems(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Read only');
    expect(text).toContain(c.reference);
    expect(text).not.toContain('Amelia');
    expect(text).not.toContain('group chat');
    expect(findActions(card)).toHaveLength(0);
    const [row] = await h.db.query<{ status: string; owner_aad_id: string | null }>('SELECT status, owner_aad_id FROM concerns WHERE concern_id = $1', [c.concernId]);
    expect(row).toEqual({ status: 'new', owner_aad_id: null });
    const refused = await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'refused' });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actorAadId: PEOPLE.head.aadObjectId, verb: TRIAGE_VERBS.takeOwnership });
    // Even identity-looking card data changes nothing.
    await pressInChannel(h, PEOPLE.teacher, c.activityId, TRIAGE_VERBS.refresh, { concernId: c.concernId, aadObjectId: PEOPLE.dsl1.aadObjectId, from: { aadObjectId: PEOPLE.dsl1.aadObjectId } });
    expect(await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'refused' })).toHaveLength(2);
  });

  it('takes ownership: status, owner, chronology, the channel card updated through the outbox, and feedback to the reporter', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    const card = await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('Recorded: Acknowledged');
    expect(findActions(card).map((a) => a.verb)).toEqual(expect.arrayContaining([TRIAGE_VERBS.addNote, TRIAGE_VERBS.recordAction, TRIAGE_VERBS.recordSharing, TRIAGE_VERBS.setRisk, TRIAGE_VERBS.link, TRIAGE_VERBS.close]));
    const primary = (card.actions as unknown[]).length;
    expect(primary).toBeLessThanOrEqual(MAX_PRIMARY_ACTIONS);

    const [row] = await h.db.query<Record<string, unknown>>('SELECT status, owner_aad_id, owner_name FROM concerns WHERE concern_id = $1', [c.concernId]);
    expect(row).toEqual({ status: 'acknowledged', owner_aad_id: PEOPLE.dsl1.aadObjectId, owner_name: 'Dana Lead' });
    expect(await events(h, c.concernId)).toEqual(['reported', 'acknowledged']);

    const updated = await eventually(() => {
      const shared = channelCard(h, c.activityId);
      return shared && cardText(shared).includes('Acknowledged: took ownership') ? shared : undefined;
    }, 10_000, 'the updated channel card');
    expect(adaptiveCardProblems(updated)).toEqual([]);
    expect(cardText(updated)).toContain('Dana Lead');
    expect(updated.refresh.userIds).toContain(PEOPLE.dsl1.teamsId);

    const feedback = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === reporterChat(h) && cardText(cardOf(m)).includes('Update on your concern')), 10_000, 'feedback');
    const feedbackText = cardText(cardOf(feedback[0]));
    expect(feedbackText).toContain('Acknowledged');
    expect(feedbackText).not.toContain('Amelia');
    expect(feedbackText).not.toContain('Dana');
    expect(adaptiveCardProblems(cardOf(feedback[0]))).toEqual([]);
  });

  it('applies a duplicated invoke once', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    const view = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    const data = { ...buttonData(view, TRIAGE_VERBS.addNote), note: 'Called home; no answer.' };
    const [a, b] = await Promise.all([pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.addNote, data), pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.addNote, data)]);
    const third = await pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.addNote, data);
    expect(await events(h, c.concernId)).toEqual(['reported', 'acknowledged', 'note-added']);
    const texts = [a, b, third].map((r) => cardText(r.body.value));
    expect(texts.filter((t) => t.includes('Already recorded')).length).toBe(2);
    expect(texts.filter((t) => t.includes('Recorded: Note added')).length).toBe(1);
  });

  it('resolves two DSLs taking ownership together deterministically: the first committed wins', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    const [v1, v2] = await Promise.all([openActions(h, PEOPLE.dsl1, c.concernId, c.activityId), openActions(h, PEOPLE.dsl2, c.concernId, c.activityId)]);
    const [r1, r2] = await Promise.all([
      pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.takeOwnership, buttonData(v1, TRIAGE_VERBS.takeOwnership)),
      pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.takeOwnership, buttonData(v2, TRIAGE_VERBS.takeOwnership)),
    ]);
    const [row] = await h.db.query<{ owner_name: string }>('SELECT owner_name FROM concerns WHERE concern_id = $1', [c.concernId]);
    const winner = row.owner_name;
    expect(['Dana Lead', 'Priya Deputy']).toContain(winner);
    const loserText = cardText((winner === 'Dana Lead' ? r2 : r1).body.value);
    expect(loserText).toContain(`Already owned by ${winner}.`);
    expect(cardText((winner === 'Dana Lead' ? r1 : r2).body.value)).toContain('Recorded: Acknowledged');
    expect(await events(h, c.concernId)).toEqual(['reported', 'acknowledged']);
    // Exactly one piece of feedback to the reporter: queued once (feedback is queued in the
    // triage transaction, so both presses' rows are committed by now)...
    const [{ n }] = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'concern.reporter-feedback' AND payload->>'concernId' = $1`, [c.concernId]);
    expect(n).toBe(1);
    // ...and, once everything queued for the concern has been delivered, received once.
    await awaitConcernDelivered(h, c.concernId);
    expect(h.fake.findByText(c.reference).filter((m) => m.conversationId === reporterChat(h) && cardText(cardOf(m)).includes('Update on your concern'))).toHaveLength(1);
  });

  it('keeps a form open with what was typed when it fails validation, and records nothing', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    const card = await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.close, { closeOutcome: 'monitor', closeRationale: '' });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('Record the rationale');
    expect(findInput(card, 'closeOutcome')?.value).toBe('monitor');
    expect(await events(h, c.concernId)).toEqual(['reported', 'acknowledged']);

    const sharing = await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.recordSharing, { shareWith: 'MASH', shareWhat: 'The report', shareWhy: 'Referral', consentSought: 'no' });
    expect(cardText(sharing)).toContain('Consent was not sought: record why');
    expect(findInput(sharing, 'shareWith')?.value).toBe('MASH');
    expect(adaptiveCardProblems(sharing)).toEqual([]);
  });

  it('records the whole lifecycle, narrative encrypted at rest and readable in the product', async () => {
    const earlier = await reportAndAwaitCard(h, PEOPLE.teacher);
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    const NOTE = 'Spoke to Amelia with her mum present; she named two girls in 6C.';
    await act(h, PEOPLE.dsl2, c, TRIAGE_VERBS.addNote, { note: NOTE });
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.recordAction, { outcome: 'social-care-referral', actionNote: 'MASH referral made by phone, reference 4471.' });
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.recordSharing, {
      shareWith: 'Police: PC Jones, online safety unit',
      shareWhat: 'Screenshots described by Amelia',
      shareWhy: 'Threats of violence',
      consentSought: 'no',
      noConsentReason: 'Telling the family first could lead to evidence being deleted.',
    });
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.setRisk, { riskLevel: 'high', riskReason: 'Threats escalating' });
    const linked = await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.link, { linkPupils: 'Ruby Tan', linkReferences: earlier.reference });
    expect(cardText(linked)).toContain(earlier.reference);
    const closed = await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.close, { closeOutcome: 'social-care-referral', closeRationale: 'Social care accepted the referral and leads; school support plan in place.' });
    expect(adaptiveCardProblems(closed)).toEqual([]);
    expect(findActions(closed).map((a) => a.verb)).toEqual(expect.arrayContaining([TRIAGE_VERBS.reopen]));
    expect(findActions(closed).map((a) => a.verb)).not.toContain(TRIAGE_VERBS.addNote);

    // Forbidden after closing: anything but reopen (an old card's button is refused with the reason).
    const late = await pressInChannel(h, PEOPLE.dsl2, c.activityId, TRIAGE_VERBS.addNote, { concernId: c.concernId, actionId: '11111111-1111-4111-8111-111111111111', note: 'late' });
    expect(cardText(late.body.value)).toContain('This concern is closed');
    const reopened = await act(h, PEOPLE.dsl2, c, TRIAGE_VERBS.reopen, { reopenReason: 'New messages were found on Monday.' });
    expect(cardText(reopened)).toContain('Reopened');

    expect(await events(h, c.concernId)).toEqual(['reported', 'acknowledged', 'note-added', 'action-recorded', 'information-shared', 'risk-set', 'linked', 'closed', 'reopened']);
    const [state] = await h.db.query<Record<string, unknown>>('SELECT status, risk_level FROM concerns WHERE concern_id = $1', [c.concernId]);
    expect(state).toEqual({ status: 'in-progress', risk_level: 'high' });

    // Ciphertext in the database...
    const raw = JSON.stringify(await h.db.query('SELECT * FROM concern_events WHERE concern_id = $1', [c.concernId]));
    for (const secret of ['two girls in 6C', 'PC Jones', 'evidence being deleted', 'Social care accepted', 'New messages', 'Ruby Tan']) expect(raw).not.toContain(secret);
    expect(JSON.stringify(await h.db.query('SELECT * FROM concern_pupils WHERE concern_id = $1', [c.concernId]))).not.toContain('Ruby');
    expect(JSON.stringify(await h.db.query('SELECT * FROM outbox'))).not.toContain('two girls');
    // ...plaintext through the product (the DSL's view shows the chronology).
    const view = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    const text = cardText(view);
    for (const plain of ['Police: PC Jones, online safety unit', 'Telling the family first could lead to evidence being deleted.', 'New messages were found on Monday.', 'Ruby Tan']) expect(text).toContain(plain);
    expect(text).toContain('Chronology (latest 8 of 9)');

    // The reporter heard: acknowledged, closed; never the outcome.
    const feedback = await eventually(() => {
      const found = h.fake.findByText(c.reference).filter((m) => m.conversationId === reporterChat(h) && cardText(cardOf(m)).includes('Update on your concern'));
      return found.length >= 2 ? found : undefined;
    }, 10_000, 'two feedback messages');
    const all = feedback.map((m) => cardText(cardOf(m))).join('\n');
    expect(all).toContain('Closed');
    expect(all).not.toContain('social care');
    expect(all).not.toContain('Ruby');

    // The shared card shows the current state.
    await eventually(() => {
      const shared = channelCard(h, c.activityId);
      return shared && cardText(shared).includes('Reopened') ? shared : undefined;
    }, 10_000, 'channel card after reopening');
    expect(channelPosts(h, c.reference)).toHaveLength(1);
  });

  it('does not let a card deleted in Teams hold up the channel: its update is dropped, later posts go through', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    h.fake.failWhile((req) => req.operation === 'updateActivity' && req.activityId === c.activityId, 404, { code: 'ActivityNotFoundInConversation' });
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    const next = await reportAndAwaitCard(h, PEOPLE.teacher);
    expect(next.activityId).toBeTruthy();
    await eventually(async () => {
      const rows = await h.db.query<{ status: string }>(`SELECT status FROM outbox WHERE kind = 'concern.update-cards' AND payload->>'concernId' = $1`, [c.concernId]);
      return rows.length === 1 && rows[0].status === 'sent';
    }, 10_000, 'the update settled');
    h.fake.clearFaults();
  });

  it('answers "pupil <name>" with the per-pupil view for a DSL, and leaves a teacher\'s "pupil …" to the report', async () => {
    const a = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Kai Mensah' });
    const b = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'mensah kai', category: 'commerce' });
    await h.inChannel(PEOPLE.dsl2, '<at>Jigsaw</at> pupil Kai Mensah');
    const [answer] = await eventuallySome(() => h.fake.activitiesIn(SCHOOL.dslChannel.id).filter((m) => JSON.stringify(m.body).includes('Concerns about a pupil')), 10_000, 'pupil view');
    const card = cardOf(answer);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('2 concerns, oldest first');
    expect(text.indexOf(a.reference)).toBeLessThan(text.indexOf(b.reference));
    expect(text).toContain('Commerce');

    await h.say(PEOPLE.teacher, 'pupil Kai Mensah was crying at lunch');
    await eventually(() => {
      const c = h.fake.lastCardIn(reporterChat(h));
      return c && JSON.stringify(c).includes('was crying at lunch') ? c : undefined;
    }, 5000, 'the report card keeping the text');
  });

  it('lists other concerns about the same pupil on the DSL view (per-pupil link by normalised name)', async () => {
    const a = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Jay Patel' });
    const b = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'PATEL  Jay (5A)' });
    const view = await openActions(h, PEOPLE.dsl1, b.concernId, b.activityId);
    expect(cardText(view)).toContain(`${a.reference} (New`);
    expect(cardText(view)).toContain('1 other concern about this pupil');
  });
});
