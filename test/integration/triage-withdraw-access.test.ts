import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { deliverTriageMessage } from '../../src/jobs/triage-deliveries';
import type { TeamsGateway } from '../../src/jobs/teams-gateway';
import { TRIAGE_OUTBOX_KINDS } from '../../src/services/triage-concern';
import { verifyChronologies } from '../../src/services/verify-chronology';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { awaitConcernDelivered, buttonData, cardOf, reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';

/**
 * The recipient of a concern about an adult takes back access they gave (a slip in the picker,
 * or no longer needed): the person's copy in their chat stops showing the concern, the tab
 * refuses it to them, their old card's buttons do nothing, and the chronology keeps both who
 * gave and who withdrew it.
 */
describe(`withdrawing access to a concern about an adult (${storeKind()})`, () => {
  let h: Harness;
  let idp: TestIdentityProvider;
  let c: { reference: string; concernId: string };

  const chatOf = (who: TestUser) => h.personalConversationId(who);
  async function call(who: { aadObjectId: string; name: string }, path: string, init: { method?: string; body?: unknown } = {}) {
    const res = await fetch(`${h.url}/api/tab/${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${await idp.mint(who)}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const action = (who: TestUser, kind: string, values: Record<string, unknown> = {}) => call(who, `concerns/${c.concernId}/actions`, { method: 'POST', body: { kind, values } });

  beforeAll(async () => {
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ env: idp.env });
    await h.say(PEOPLE.dpo, 'hello'); // Jigsaw knows people once they have chatted with it
    await h.say(PEOPLE.chair, 'hello');
    c = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr J. Smith, teaching assistant', whatHappened: 'Messaged a pupil on social media late at night.' });
    expect((await action(PEOPLE.head, 'take-ownership')).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
  });

  it('takes the access away everywhere, and records who gave it and who withdrew it', async () => {
    expect((await action(PEOPLE.head, 'add-participant', { participant: PEOPLE.dpo.aadObjectId })).status).toBe(200);
    const [deeCopy] = await eventuallySome(() => h.fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(PEOPLE.dpo)), 10_000, 'the copy given to Dee');
    await awaitConcernDelivered(h, c.concernId);
    const deeView = await call(PEOPLE.dpo, `concerns/${c.concernId}`);
    expect(deeView.status).toBe(200);
    // Names as the card shows them; the Entra ids only to whoever may withdraw access.
    expect(deeView.body.participants).toEqual([{ name: PEOPLE.dpo.name }]);
    const headView = await call(PEOPLE.head, `concerns/${c.concernId}`);
    expect(headView.body.participants).toEqual([{ id: PEOPLE.dpo.aadObjectId, name: PEOPLE.dpo.name }]);
    expect(headView.body.actions).toContain('withdraw-participant');

    // Someone only given access cannot withdraw it (their own included).
    const byDee = await action(PEOPLE.dpo, 'withdraw-participant', { withdrawParticipant: PEOPLE.dpo.aadObjectId });
    expect(byDee.status).toBe(403);
    expect(byDee.body.message).toContain('Only the recipient');
    expect((await call(PEOPLE.dpo, `concerns/${c.concernId}`)).status).toBe(200);

    const withdrawn = await action(PEOPLE.head, 'withdraw-participant', { withdrawParticipant: PEOPLE.dpo.aadObjectId });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.message).toBe('Access was withdrawn');
    await awaitConcernDelivered(h, c.concernId);

    // The tab: the concern is refused, "About adults" is no longer theirs (it was their only grant).
    expect((await call(PEOPLE.dpo, `concerns/${c.concernId}`)).status).toBe(404);
    expect((await call(PEOPLE.dpo, 'private-concerns')).status).toBe(403);
    expect((await call(PEOPLE.dpo, 'me')).body.views).not.toContain('private-concerns');
    expect((await call(PEOPLE.head, `concerns/${c.concernId}`)).body.participants).toEqual([]);

    // Their copy: replaced by a notice that shows nothing of the concern, with nothing to press.
    const now = await eventually(() => {
      const m = h.fake.activitiesIn(chatOf(PEOPLE.dpo)).find((a) => a.activityId === deeCopy.activityId);
      return m && cardText(cardOf(m)).includes('no longer have access') ? m : undefined;
    }, 10_000, "Dee's copy replaced");
    const shown = `${String(now.body.text ?? '')} ${String(now.body.summary ?? '')} ${cardText(cardOf(now))}`;
    for (const secret of ['Smith', 'social media', c.reference, 'Helen Head', 'Sam Teacher']) expect(shown).not.toContain(secret);
    expect(cardOf(now).actions ?? []).toEqual([]);
    expect(cardOf(now).refresh).toBeUndefined();

    // Their old card's buttons: refused from the store, nothing recorded.
    const pressed = await h.invoke(PEOPLE.dpo, TRIAGE_VERBS.addNote, { concernId: c.concernId, actionId: '00000000-0000-4000-9000-00000000abcd', note: 'Still here' });
    expect(cardText(pressed.body.value)).toContain('not available to you');
    expect(cardText(pressed.body.value)).not.toContain('Smith');

    // The chronology has both events, with who gave and who withdrew, and still verifies.
    const events = await h.app.concerns.listEvents(h.db, SCHOOL.tenantId, c.concernId);
    const added = events.find((e) => e.type === 'participant-added')!;
    const gone = events.find((e) => e.type === 'participant-withdrawn')!;
    expect(added.details).toMatchObject({ participant: PEOPLE.dpo.aadObjectId });
    expect(gone.actor.aadObjectId).toBe(PEOPLE.head.aadObjectId);
    expect(gone.details).toMatchObject({ participant: PEOPLE.dpo.aadObjectId, participantName: PEOPLE.dpo.name, givenBy: PEOPLE.head.aadObjectId, givenByName: PEOPLE.head.name });
    expect(gone.seq).toBeGreaterThan(added.seq);
    const cipher = new NarrativeCipher(new Map([['test1', Buffer.alloc(32, 0x5a)]]), 'test1');
    const [check] = await verifyChronologies(h.db, cipher.chronologyKeys(), { reference: c.reference });
    expect(check!.verdict.ok).toBe(true);
    // Every applied withdrawal is in the access log.
    expect(await h.db.query("SELECT 1 FROM access_log WHERE concern_id = $1 AND verb = 'concern.withdraw-participant' AND outcome = 'allowed'", [c.concernId])).toHaveLength(1);
  });

  it('refuses a withdrawal from anyone but the recipient, and of someone who has no access', async () => {
    expect((await action(PEOPLE.head, 'add-participant', { participant: PEOPLE.chair.aadObjectId })).status).toBe(200);
    // A DSL, the reporter: the concern is not theirs to see at all.
    for (const who of [PEOPLE.dsl1, PEOPLE.teacher]) expect((await action(who, 'withdraw-participant', { withdrawParticipant: PEOPLE.chair.aadObjectId })).status).toBe(404);
    // From the card too: someone given access presses "Withdraw access" with a hand-made card.
    const byChairCard = await h.invoke(PEOPLE.chair, TRIAGE_VERBS.withdrawParticipant, { concernId: c.concernId, actionId: '00000000-0000-4000-9000-00000000abce', withdrawParticipant: PEOPLE.chair.aadObjectId });
    expect(cardText(byChairCard.body.value)).toContain('Only the recipient of this concern can withdraw access.');
    expect((await call(PEOPLE.chair, `concerns/${c.concernId}`)).status).toBe(200);
    // Nobody given access by that id: said next to the field.
    const nobody = await action(PEOPLE.head, 'withdraw-participant', { withdrawParticipant: PEOPLE.dpo.aadObjectId });
    expect(nobody.status).toBe(400);
    expect(nobody.body.errors.withdrawParticipant).toContain('has not been given access');
    // The recipient's card offers it, and it works from there.
    const open = (await h.invoke(PEOPLE.head, TRIAGE_VERBS.refresh, { concernId: c.concernId })).body.value;
    const done = await h.invoke(PEOPLE.head, TRIAGE_VERBS.withdrawParticipant, { ...buttonData(open, TRIAGE_VERBS.withdrawParticipant), withdrawParticipant: PEOPLE.chair.aadObjectId });
    expect(cardText(done.body.value)).toContain('Access was withdrawn');
    expect((await call(PEOPLE.chair, `concerns/${c.concernId}`)).status).toBe(404);
    await awaitConcernDelivered(h, c.concernId);
  });

  it('given access again: the copy they had shows the concern again; one that never reached them is sent anew', async () => {
    // The copies posted to someone's chat, by the outbox's record of what reached Teams.
    const postedCopies = async (who: TestUser) =>
      (
        await h.db.query<{ activity_id: string }>(
          `SELECT result->>'activityId' AS activity_id FROM outbox WHERE kind = $1 AND payload->>'concernId' = $2 AND payload->>'aadObjectId' = $3 AND coalesce(result->>'activityId', '') <> '' ORDER BY outbox_id`,
          [TRIAGE_OUTBOX_KINDS.participantCopy, c.concernId, who.aadObjectId],
        )
      ).map((r) => r.activity_id);
    const shownIn = (who: TestUser, activityId: string) => cardText(cardOf(h.fake.activitiesIn(chatOf(who)).find((m) => m.activityId === activityId)!));

    // Chris's copy reached her chat before her access was withdrawn (above): it is shown again, not sent twice.
    const [chrisCopy] = await postedCopies(PEOPLE.chair);
    expect(shownIn(PEOPLE.chair, chrisCopy!)).toContain('no longer have access');
    expect((await action(PEOPLE.head, 'add-participant', { participant: PEOPLE.chair.aadObjectId })).status).toBe(200);
    await awaitConcernDelivered(h, c.concernId);
    await eventually(() => shownIn(PEOPLE.chair, chrisCopy!).includes('Mr J. Smith'), 10_000, "Chris's copy shown again");
    expect(await postedCopies(PEOPLE.chair)).toEqual([chrisCopy]);

    // Ari's copy was withdrawn before it went out: the worker recorded it as sent with nothing posted.
    await h.say(PEOPLE.admin, 'hello');
    expect((await action(PEOPLE.head, 'add-participant', { participant: PEOPLE.admin.aadObjectId })).status).toBe(200);
    await awaitConcernDelivered(h, c.concernId);
    await h.db.query(
      `UPDATE outbox SET result = '{"conversationId":"","activityId":"","serviceUrl":""}'::jsonb WHERE kind = $1 AND payload->>'concernId' = $2 AND payload->>'aadObjectId' = $3`,
      [TRIAGE_OUTBOX_KINDS.participantCopy, c.concernId, PEOPLE.admin.aadObjectId],
    );
    expect((await action(PEOPLE.head, 'withdraw-participant', { withdrawParticipant: PEOPLE.admin.aadObjectId })).status).toBe(200);
    await awaitConcernDelivered(h, c.concernId);
    expect(await postedCopies(PEOPLE.admin)).toEqual([]);
    expect((await action(PEOPLE.head, 'add-participant', { participant: PEOPLE.admin.aadObjectId })).status).toBe(200);
    await awaitConcernDelivered(h, c.concernId);
    const [fresh] = await postedCopies(PEOPLE.admin);
    expect(fresh).toBeDefined();
    expect(shownIn(PEOPLE.admin, fresh!)).toContain('Mr J. Smith');
  });

  it('does not send a copy still queued when the access was withdrawn', async () => {
    const sent: string[] = [];
    const gateway = {
      sendToPerson: async (target: { aadObjectId: string }) => {
        sent.push(target.aadObjectId);
        return { conversationId: 'x', activityId: '1', serviceUrl: 'x' };
      },
    } as unknown as TeamsGateway;
    const deps = { db: h.db, concerns: h.app.concerns, gateway, defaultServiceUrl: h.fake.serviceUrl, botId: SCHOOL.botId };
    const queued = { tenantId: SCHOOL.tenantId, outboxId: 1, idempotencyKey: 'k', kind: TRIAGE_OUTBOX_KINDS.participantCopy, targetKey: 't', payload: { concernId: c.concernId, aadObjectId: PEOPLE.dpo.aadObjectId }, status: 'sending' as const, attempts: 0, throttledAttempts: 0, refusedAttempts: 0, nextAttemptAt: new Date(), createdAt: new Date(), bulk: false, urgent: false };
    expect((await deliverTriageMessage(deps, queued)).activityId).toBe('');
    expect(sent).toEqual([]);
  });
});
