import type { Db } from '../../src/store/db';
import { listAupSends, replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { AUP_VERBS } from '../../src/cards/aup-card';
import type { AppInstaller } from '../../src/domain/aup/ports';
import { GraphRequestError } from '../../src/graph/graph-errors';
import { createTeamsConnectorFake, type TeamsConnectorFake } from '../fakes/teams-connector';
import { adaptiveCardProblems, cardText, findActions } from '../support/card-validation';
import { eventually, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';
import { personId, PUPIL_DRAFT, STAFF_DRAFT } from '../support/aup-fixtures';

const STAFF = Array.from({ length: 24 }, (_, i) => ({ aadObjectId: personId(100 + i), name: `Staff Member ${i + 1}`, id: `29:${personId(100 + i)}` }));
const TITLE = STAFF_DRAFT.title;

async function connector(extra: { botInstalled?: boolean }[] = []): Promise<TeamsConnectorFake> {
  return createTeamsConnectorFake({
    tenantId: SCHOOL.tenantId,
    botId: SCHOOL.botId,
    rateLimits: false,
    users: [...Object.values(PEOPLE).map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })), ...STAFF.map((s, i) => ({ ...s, ...(extra[i] ?? {}) }))],
    teams: [{ id: SCHOOL.team.id, name: SCHOOL.team.name, members: Object.values(PEOPLE).map((p) => p.aadObjectId), channels: [{ id: SCHOOL.dslChannel.id, name: SCHOOL.dslChannel.name, membershipType: 'private', members: [PEOPLE.dsl1.aadObjectId, PEOPLE.admin.aadObjectId] }] }],
  });
}

const audience = (people: { aadObjectId: string; name: string }[]) => people.map((p) => ({ personId: p.aadObjectId, aadObjectId: p.aadObjectId, displayName: p.name }));
const cardsFor = (fake: TeamsConnectorFake, aadObjectId: string, title = TITLE) =>
  fake.activitiesIn(fake.personalConversationId(aadObjectId)).filter((m) => !m.deleted && JSON.stringify(m.body.attachments ?? '').includes(title));

describe(`AUP broadcast over Teams (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('sends one card each; "I have read and agree" records the person from the activity, not the card; cards refresh; "what have I agreed to?"', async () => {
    const fake = await connector();
    const h = await startHarness({ db, fake });
    try {
      const people = [PEOPLE.teacher, ...STAFF.slice(0, 5).map((s) => ({ aadObjectId: s.aadObjectId, name: s.name }))];
      await replaceAudienceMembers(db, SCHOOL.tenantId, 'staff', audience(people), 'group', new Date());
      const { version } = await publishAupVersion({ db, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: STAFF_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(20_000);
      for (const p of people) expect(cardsFor(fake, p.aadObjectId)).toHaveLength(1);

      const teacherCard = cardsFor(fake, PEOPLE.teacher.aadObjectId)[0]!;
      const content = (teacherCard.body.attachments as { content: unknown }[])[0]!.content;
      expect(adaptiveCardProblems(content)).toEqual([]);
      expect(cardText(content)).toContain('I have read and agree');
      const agree = findActions(content).find((a) => a.verb === AUP_VERBS.agree)!;
      expect(agree.data).toEqual({ verb: AUP_VERBS.agree, versionId: version.versionId });

      // Card data claims to be someone else: ignored, the activity's sender is recorded.
      const victim = STAFF[0]!.aadObjectId;
      const res = await h.invoke(PEOPLE.teacher, AUP_VERBS.agree, { versionId: version.versionId, aadObjectId: victim, personId: victim, name: 'Someone Else', from: { aadObjectId: victim } });
      expect(res.status).toBe(200);
      expect(adaptiveCardProblems(res.body.value)).toEqual([]);
      expect(cardText(res.body.value)).toMatch(/Acknowledged on \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}/);
      const acks = await db.query<{ person_id: string; display_name: string; method: string; content_hash: string }>('SELECT person_id, display_name, method, content_hash FROM aup_acknowledgements WHERE tenant_id = $1', [SCHOOL.tenantId]);
      expect(acks).toEqual([{ person_id: PEOPLE.teacher.aadObjectId, display_name: PEOPLE.teacher.name, method: 'teams', content_hash: version.contentHash }]);

      // The card already in the chat is updated too (for the other devices / a later look).
      await eventually(() => cardText(cardsFor(fake, PEOPLE.teacher.aadObjectId)[0]!.body.attachments).includes('Acknowledged on'), 10_000, 'card in chat refreshed');
      // A forged version id gets nothing recorded.
      const forged = await h.invoke(PEOPLE.teacher, AUP_VERBS.agree, { versionId: '00000000-0000-4000-8000-000000000000' });
      expect(cardText(forged.body.value)).toContain('not found');

      const status = await h.say(PEOPLE.teacher, 'What have I agreed to?');
      expect(status.status).toBe(200);
      const reply = await eventually(() => fake.activitiesIn(h.personalConversationId(PEOPLE.teacher)).reverse().find((m) => JSON.stringify(m.body).includes('Your Acceptable Use Policies')), 5000, 'status card');
      const statusCard = (reply.body.attachments as { content: unknown }[])[0]!.content;
      expect(adaptiveCardProblems(statusCard)).toEqual([]);
      expect(cardText(statusCard)).toMatch(/Agreed on .* \(valid until \d{1,2} [A-Z][a-z]{2} 2027\)/);

      // The admin's progress card was posted and, at the end, shows the broadcast finished.
      await eventually(() => cardText(fake.lastCardIn(h.personalConversationId(PEOPLE.admin))).includes('AUP broadcast finished'), 10_000, 'progress card finished');
      const progress = fake.lastCardIn(h.personalConversationId(PEOPLE.admin));
      expect(adaptiveCardProblems(progress)).toEqual([]);
      expect(cardText(progress)).toContain('6 (100%)');
    } finally {
      await h.stop();
      await fake.stop();
    }
  });

  it('a 429 pauses every sender for Retry-After, then all cards go out once', async () => {
    const fresh = await createTestDb();
    const fake = await connector();
    const h = await startHarness({ db: fresh, fake, env: { AUP_SENDER_CONCURRENCY: '6' } });
    try {
      await replaceAudienceMembers(fresh, SCHOOL.tenantId, 'staff', audience(STAFF.map((s) => ({ aadObjectId: s.aadObjectId, name: s.name }))), 'group', new Date());
      // 429s without Retry-After are not retried by botbuilder: the sender sees them and pauses (1 s default).
      fake.failNext(2, 429, { match: (r) => r.operation === 'createConversation' && JSON.stringify(r.body ?? '').includes(STAFF[3]!.aadObjectId) });
      fake.failNext(1, 429, { retryAfterSeconds: 0, match: () => false });
      const { version } = await publishAupVersion({ db: fresh, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: STAFF_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(30_000);
      const stats = h.app.aup.sender.stats;
      expect(stats.throttled).toBe(2);
      expect(stats.pauses).toBeGreaterThanOrEqual(1);
      const throttledAt = fake.requests.filter((r) => r.status === 429).map((r) => r.at.getTime());
      const first = Math.min(...throttledAt);
      // While paused nobody starts a send. Calls already under way when the 429 came back may finish
      // (a new chat is two requests), so the window starts 500 ms in; the pause lasts 1 s.
      const during = fake.requests.filter((r) => r.status < 300 && r.operation !== 'getConversationPagedMembers' && r.at.getTime() > first + 500 && r.at.getTime() < first + 950);
      expect(during.map((r) => `${r.operation} +${r.at.getTime() - first}ms ${r.status}`)).toEqual([]);
      for (const s of STAFF) expect(cardsFor(fake, s.aadObjectId)).toHaveLength(1);
      expect((await listAupSends(fresh, SCHOOL.tenantId, version.versionId, 'ask')).every((s) => s.status === 'sent')).toBe(true);
    } finally {
      await h.stop();
      await fake.stop();
      await fresh.close();
    }
  });

  it('429s are not failed attempts: more of them than AUP_MAX_SEND_ATTEMPTS, then a 412, still end in one card, sent', async () => {
    const fresh = await createTestDb();
    const fake = await connector();
    const h = await startHarness({ db: fresh, fake, env: { AUP_MAX_SEND_ATTEMPTS: '2' } });
    try {
      const person = STAFF[5]!;
      await replaceAudienceMembers(fresh, SCHOOL.tenantId, 'staff', audience([person]), 'group', new Date());
      // A throttling storm: Teams answers 429 (no Retry-After, so botbuilder hands it over) three times,
      // then a 412 (one failed attempt of the two allowed), then accepts.
      const toPerson = (r: { operation: string; body?: unknown }) => r.operation === 'createConversation' && JSON.stringify(r.body ?? '').includes(person.aadObjectId);
      fake.failNext(3, 429, { match: toPerson });
      fake.failNext(1, 412, { match: toPerson });
      const { version } = await publishAupVersion({ db: fresh, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: STAFF_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(30_000);
      expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(3);
      expect(h.app.aup.sender.stats).toMatchObject({ throttled: 3, retried: 1, failed: 0 });
      expect(cardsFor(fake, person.aadObjectId)).toHaveLength(1);
      const rows = await listAupSends(fresh, SCHOOL.tenantId, version.versionId, 'ask');
      expect(rows.map((s) => [s.status, s.lastError])).toEqual([['sent', undefined]]);
      expect(rows[0]).toMatchObject({ attempts: 5, throttledAttempts: 3 });
    } finally {
      await h.stop();
      await fake.stop();
      await fresh.close();
    }
  });

  it('never two cards for one version to one person across a crash while sending', async () => {
    const fresh = await createTestDb();
    const fake = await connector();
    const first = await startHarness({ db: fresh, fake, env: { AUP_SENDER_CONCURRENCY: '4' } });
    let second: Awaited<ReturnType<typeof startHarness>> | undefined;
    try {
      await replaceAudienceMembers(fresh, SCHOOL.tenantId, 'staff', audience(STAFF.map((s) => ({ aadObjectId: s.aadObjectId, name: s.name }))), 'group', new Date());
      // Let a few cards through, then hold the next ones after Teams applied them (the answer never arrives).
      let allowed = 6;
      const hold = fake.hold({ when: 'after-apply', match: (r) => r.operation !== 'createConversation' && JSON.stringify(r.body ?? '').includes(TITLE) && allowed-- <= 0 });
      await publishAupVersion({ db: fresh, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: STAFF_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      first.app.aup.sender.poke();
      const held = await hold.waitForHeld(3);
      first.app.aup.sender.kill(); // the process "dies" with calls to Teams under way
      hold.stop();
      hold.releaseAll();
      await first.app.stop();
      expect(held.length).toBeGreaterThanOrEqual(3);

      second = await startHarness({ db: fresh, fake, registerChannel: false });
      await second.app.aup.sender.idle(30_000);
      const perPerson = STAFF.map((s) => cardsFor(fake, s.aadObjectId).length);
      expect(Math.max(...perPerson)).toBe(1); // never two
      const sends = await fresh.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM aup_sends WHERE purpose = 'ask' GROUP BY status ORDER BY status`);
      const uncertain = sends.find((s) => s.status === 'uncertain')?.n ?? 0;
      expect(uncertain).toBeGreaterThanOrEqual(held.length);
      // Held calls were applied by Teams, so everyone has their card even though the sender never heard back.
      expect(perPerson.filter((n) => n === 1).length).toBe(STAFF.length);
      expect(second.app.aup.sender.stats.uncertainOnStart).toBe(uncertain);
    } finally {
      await second?.stop();
      await first.stop().catch(() => undefined);
      await fake.stop();
      await fresh.close();
    }
  });

  it('an app install Microsoft Graph could not do (503) is tried again, then the card is sent', async () => {
    const fresh = await createTestDb();
    const fake = await connector([{ botInstalled: false }]);
    const installs: string[] = [];
    const installer: AppInstaller = {
      async installForUser(aadObjectId) {
        installs.push(aadObjectId);
        if (installs.length === 1) throw new GraphRequestError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', '/users/x/teamwork/installedApps');
        fake.state.findUser(aadObjectId)!.botInstalled = true;
        return 'installed';
      },
    };
    const h = await startHarness({ db: fresh, fake, jigsaw: { aupInstaller: installer } });
    try {
      const person = STAFF[0]!;
      await replaceAudienceMembers(fresh, SCHOOL.tenantId, 'pupils-ks2', audience([{ aadObjectId: person.aadObjectId, name: person.name }]), 'group', new Date());
      const { version } = await publishAupVersion({ db: fresh, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: PUPIL_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(20_000);
      expect(installs).toEqual([person.aadObjectId, person.aadObjectId]);
      expect(cardsFor(fake, person.aadObjectId, PUPIL_DRAFT.title)).toHaveLength(1);
      expect((await listAupSends(fresh, SCHOOL.tenantId, version.versionId, 'ask')).map((s) => s.status)).toEqual(['sent']);
    } finally {
      await h.stop();
      await fake.stop();
      await fresh.close();
    }
  });

  it('installs the app for someone who never opened it, then sends the card', async () => {
    const fresh = await createTestDb();
    const fake = await connector([{ botInstalled: false }]);
    const installs: string[] = [];
    const installer: AppInstaller = {
      async installForUser(aadObjectId) {
        installs.push(aadObjectId);
        fake.state.findUser(aadObjectId)!.botInstalled = true;
        return 'installed';
      },
    };
    const h = await startHarness({ db: fresh, fake, jigsaw: { aupInstaller: installer } });
    try {
      const pupil = STAFF[0]!;
      await replaceAudienceMembers(fresh, SCHOOL.tenantId, 'pupils-ks2', audience([{ aadObjectId: pupil.aadObjectId, name: pupil.name }]), 'group', new Date());
      await publishAupVersion({ db: fresh, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: PUPIL_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(20_000).catch(async (e) => {
        console.log(JSON.stringify(await fresh.query('SELECT status, purpose, attempts, last_error, next_attempt_at FROM aup_sends'), null, 1), JSON.stringify(h.app.aup.sender.stats), JSON.stringify(fake.requests.map((r) => [r.operation, r.status, r.outcome])));
        throw e;
      });
      expect(installs).toEqual([pupil.aadObjectId]);
      const cards = cardsFor(fake, pupil.aadObjectId, PUPIL_DRAFT.title);
      expect(cards).toHaveLength(1);
      const content = (cards[0]!.body.attachments as { content: unknown }[])[0]!.content;
      expect(adaptiveCardProblems(content)).toEqual([]);
      expect(cardText(content)).toContain('stop, think, before you click');
      expect(cardText(content)).toContain('I have read the rules and I agree');
    } finally {
      await h.stop();
      await fake.stop();
      await fresh.close();
    }
  });
});
