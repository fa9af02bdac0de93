import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { deliverTriageMessage } from '../../src/jobs/triage-deliveries';
import type { TeamsGateway } from '../../src/jobs/teams-gateway';
import { TRIAGE_OUTBOX_KINDS } from '../../src/services/triage-concern';
import { assignRole, clearRole } from '../../src/store/tenant.repo';
import { adaptiveCardProblems, cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';
import { act, awaitConcernDelivered, buttonData, cardOf, reportAndAwaitCard } from '../support/triage';

const MINUTE = 60_000;
const ALL_DSLS = [PEOPLE.dsl1.aadObjectId, PEOPLE.dsl2.aadObjectId, PEOPLE.admin.aadObjectId];

/**
 * Personal copies of a concern's card (a DSL's escalation message, the headteacher's copy, a copy
 * given to someone) are updated after every change only while their holder may still see the
 * concern. Once they may not, the copy is replaced by a card that says so: nothing of the concern
 * stays in their chat, and nothing added later reaches it.
 */
describe(`personal copies of someone who has lost access (${storeKind()})`, () => {
  let h: Harness;
  let offset = 0;
  beforeAll(async () => {
    // Every triage invoke asks Teams for the DSL channel's roster: leaving the channel counts at once.
    h = await startHarness({
      connector: { rateLimits: false },
      now: () => new Date(Date.now() + offset),
      env: { DSL_ROSTER_TTL_SECONDS: '0', SCHEDULER_POLL_MS: '40', ESCALATION_FIRST_MINUTES: '15', ESCALATION_SECOND_MINUTES: '10' },
    });
  });
  afterAll(() => h.stop());

  const chatOf = (who: TestUser) => h.personalConversationId(who);
  const messageIn = (who: TestUser, activityId: string) => h.fake.activitiesIn(chatOf(who)).find((m) => m.activityId === activityId);
  const updatesOf = (activityId: string) => h.fake.allSent().filter((op) => op.kind === 'update' && op.activityId === activityId);

  it("replaces a DSL's escalation message once they have left the DSL team, and never shows them what was added later", async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { urgency: 'urgent', category: 'grooming' });
    offset += 16 * MINUTE;
    await h.app.scheduler.tickOnce();
    const [priyaMessage] = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(PEOPLE.dsl2)), 10_000, "Priya's escalation message");
    const [danaMessage] = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(PEOPLE.dsl1)), 10_000, "Dana's escalation message");
    expect(cardText(cardOf(priyaMessage))).toContain('Amelia Okonkwo');
    await awaitConcernDelivered(h, c.concernId);

    // In Teams: Priya leaves the DSL channel. Dana then links a pupil and closes the concern.
    h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, [PEOPLE.dsl1.aadObjectId, PEOPLE.admin.aadObjectId]);
    try {
      await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
      await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.link, { linkPupils: 'Zara Newlinked' });
      await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.close, { closeOutcome: 'social-care-referral', closeRationale: 'Referred to MASH the same day.' });
      await awaitConcernDelivered(h, c.concernId);

      // Dana's message shows the concern as it is now.
      await eventually(() => cardText(cardOf(messageIn(PEOPLE.dsl1, danaMessage.activityId)!)).includes('Zara Newlinked'), 10_000, "Dana's updated message");

      // Priya's was replaced: no pupil, narrative, reference, status or outcome; no button to press.
      expect(updatesOf(priyaMessage.activityId).length).toBeGreaterThan(0);
      const now = messageIn(PEOPLE.dsl2, priyaMessage.activityId)!;
      const shown = `${String(now.body.text ?? '')} ${String(now.body.summary ?? '')} ${cardText(cardOf(now))}`;
      expect(shown).toContain('You no longer have access to this concern');
      for (const secret of ['Amelia', 'Zara', 'group chat', c.reference, 'Closed', 'social care', 'Dana Lead', 'URGENT']) expect(shown).not.toContain(secret);
      expect(cardOf(now).actions ?? []).toEqual([]);
      expect(cardOf(now).refresh).toBeUndefined();
      expect(adaptiveCardProblems(cardOf(now))).toEqual([]);
      // No update ever carried the pupil linked after she left.
      expect(updatesOf(priyaMessage.activityId).filter((op) => JSON.stringify(op.body).includes('Zara'))).toEqual([]);
      // Her copy is replaced once: later changes do not send Teams the same card again.
      const replacements = () => updatesOf(priyaMessage.activityId).filter((op) => JSON.stringify(op.body).includes('no longer have access'));
      expect(replacements()).toHaveLength(1);
      await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.reopen, { reopenReason: 'New information from the class teacher.' });
      await awaitConcernDelivered(h, c.concernId);
      await eventually(() => !cardText(cardOf(messageIn(PEOPLE.dsl1, danaMessage.activityId)!)).includes('Closed'), 10_000, "Dana's message after the reopen");
      expect(replacements()).toHaveLength(1);

      // Back in the DSL channel: her copy shows the concern again, and is kept up to date.
      h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, ALL_DSLS);
      await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.addNote, { note: 'Priya is back on the DSL rota.' });
      await awaitConcernDelivered(h, c.concernId);
      await eventually(() => cardText(cardOf(messageIn(PEOPLE.dsl2, priyaMessage.activityId)!)).includes('Zara Newlinked'), 10_000, "Priya's copy shown again");
    } finally {
      h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, ALL_DSLS);
    }
  });

  it('tells the DSL channel, once, when someone who owns open concerns leaves the DSL team', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    const closed = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Jordan Blake' });
    await act(h, PEOPLE.dsl2, c, TRIAGE_VERBS.takeOwnership);
    await act(h, PEOPLE.dsl2, closed, TRIAGE_VERBS.takeOwnership);
    await act(h, PEOPLE.dsl2, closed, TRIAGE_VERBS.close, { closeOutcome: 'no-further-action', closeRationale: 'Spoke to both pupils; resolved.' });
    await awaitConcernDelivered(h, c.concernId);
    const notices = () => h.fake.activitiesIn(SCHOOL.dslChannel.id).filter((m) => JSON.stringify(m.body).includes('has left the DSL team'));
    const before = notices().length;

    // In Teams: Priya leaves the DSL channel. Dana's next press re-reads the roster.
    h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, [PEOPLE.dsl1.aadObjectId, PEOPLE.admin.aadObjectId]);
    try {
      await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.addNote, { note: 'Checked in with the class teacher.' });
      const [notice] = await eventuallySome(() => notices().slice(before), 10_000, 'the notice in the DSL channel');
      const shown = cardText(cardOf(notice));
      expect(shown).toContain('Someone who owns 1 open concern has left the DSL team');
      expect(shown).toContain(PEOPLE.dsl2.name);
      expect(shown).toContain(c.reference);
      // The closed one needs nobody.
      expect(shown).not.toContain(closed.reference);
      expect(adaptiveCardProblems(cardOf(notice))).toEqual([]);
      // Later re-reads of the roster do not say it again.
      await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.addNote, { note: 'And again.' });
      await awaitConcernDelivered(h, c.concernId);
      expect(await h.db.query("SELECT 1 FROM outbox WHERE kind = 'concern.owner-left-dsl-team' AND status <> 'sent'")).toEqual([]);
      expect(notices().slice(before)).toHaveLength(1);
    } finally {
      h.fake.state.setChannelMembers(SCHOOL.dslChannel.id, ALL_DSLS);
    }
  });

  it("replaces the former headteacher's copy once the role has passed on; the people given access keep theirs", async () => {
    await h.say(PEOPLE.dpo, 'hello');
    await eventually(() => h.fake.lastCardIn(chatOf(PEOPLE.dpo)), 5000, 'DPO greeting');
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr J. Smith, teaching assistant' });
    const [helenCopy] = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(PEOPLE.head)), 5000, 'headteacher card');
    const press = async (who: TestUser, verb: string, data: Record<string, unknown>) => (await h.invoke(who, verb, data)).body.value;
    const open = (who: TestUser) => press(who, TRIAGE_VERBS.refresh, { concernId: c.concernId });
    await press(PEOPLE.head, TRIAGE_VERBS.takeOwnership, buttonData(await open(PEOPLE.head), TRIAGE_VERBS.takeOwnership));
    await press(PEOPLE.head, TRIAGE_VERBS.addParticipant, { ...buttonData(await open(PEOPLE.head), TRIAGE_VERBS.addParticipant), participant: PEOPLE.dpo.aadObjectId });
    const [deeCopy] = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(PEOPLE.dpo) && String(m.body.text ?? '').includes('given access')), 5000, 'participant copy');
    await awaitConcernDelivered(h, c.concernId);

    // Helen leaves; Ari becomes headteacher, takes the concern over and closes it.
    await clearRole(h.db, SCHOOL.tenantId, 'headteacher');
    await assignRole(h.db, SCHOOL.tenantId, 'headteacher', PEOPLE.admin.aadObjectId);
    try {
      await press(PEOPLE.admin, TRIAGE_VERBS.takeOver, { ...buttonData(await open(PEOPLE.admin), TRIAGE_VERBS.takeOver), takeOverReason: 'Helen has left; I am the new headteacher.' });
      await press(PEOPLE.admin, TRIAGE_VERBS.close, { ...buttonData(await open(PEOPLE.admin), TRIAGE_VERBS.close), closeOutcome: 'lado', closeRationale: 'LADO advised no further action.' });
      await awaitConcernDelivered(h, c.concernId);

      // Dee, still given access, sees the concern closed.
      await eventually(() => cardText(cardOf(messageIn(PEOPLE.dpo, deeCopy.activityId)!)).includes('Closed'), 10_000, "Dee's updated copy");
      expect(cardText(cardOf(messageIn(PEOPLE.dpo, deeCopy.activityId)!))).toContain('Mr J. Smith');
      // Helen's copy no longer shows the concern at all.
      const now = messageIn(PEOPLE.head, helenCopy.activityId)!;
      const shown = `${String(now.body.text ?? '')} ${String(now.body.summary ?? '')} ${cardText(cardOf(now))}`;
      expect(shown).toContain('You no longer have access to this concern');
      for (const secret of ['Smith', c.reference, 'Closed', 'LADO', 'Ari Admin']) expect(shown).not.toContain(secret);
      expect(updatesOf(helenCopy.activityId).filter((op) => JSON.stringify(op.body).includes('LADO'))).toEqual([]);
    } finally {
      await clearRole(h.db, SCHOOL.tenantId, 'headteacher');
      await assignRole(h.db, SCHOOL.tenantId, 'headteacher', PEOPLE.head.aadObjectId);
    }
  });

  it('sends nothing when a personal copy is queued for someone who may no longer see the concern', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    const sent: string[] = [];
    const gateway = { sendToPerson: async (target: { aadObjectId: string }) => { sent.push(target.aadObjectId); return { conversationId: 'x', activityId: '1', serviceUrl: 'x' }; } } as unknown as TeamsGateway;
    const deps = { db: h.db, concerns: h.app.concerns, gateway, defaultServiceUrl: h.fake.serviceUrl, botId: SCHOOL.botId };
    const message = (kind: string, payload: Record<string, unknown>) => ({ tenantId: SCHOOL.tenantId, outboxId: 1, idempotencyKey: 'k', kind, targetKey: 't', payload: { concernId: c.concernId, ...payload }, status: 'sending' as const, attempts: 0, throttledAttempts: 0, refusedAttempts: 0, nextAttemptAt: new Date(), createdAt: new Date(), bulk: false, urgent: false });
    // An escalation queued for a DSL who has left the team before it went out (Sam is not a DSL).
    const escalation = await deliverTriageMessage(deps, message(TRIAGE_OUTBOX_KINDS.escalationToPerson, { aadObjectId: PEOPLE.teacher.aadObjectId, stage: 'dsl', minutes: 16 }));
    expect(escalation.activityId).toBe('');
    const copy = await deliverTriageMessage(deps, message(TRIAGE_OUTBOX_KINDS.participantCopy, { aadObjectId: PEOPLE.teacher.aadObjectId }));
    expect(copy.activityId).toBe('');
    expect(sent).toEqual([]);
    // A DSL still in the team gets theirs.
    await deliverTriageMessage(deps, message(TRIAGE_OUTBOX_KINDS.escalationToPerson, { aadObjectId: PEOPLE.dsl1.aadObjectId, stage: 'dsl', minutes: 16 }));
    expect(sent).toEqual([PEOPLE.dsl1.aadObjectId]);
  });
});
