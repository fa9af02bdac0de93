import { priorityOf } from '../../src/store/outbox.repo';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { REPORT_VERBS } from '../../src/cards/report-card';
import { MIGRATIONS_DIR } from '../../src/store/migrate';
import { ConcernRepository } from '../../src/store/concern.repo';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { assignRole, clearRole, upsertTenant } from '../../src/store/tenant.repo';
import { releaseHeldAllegations } from '../../src/services/held-allegations';
import type { Db } from '../../src/store/db';
import { adaptiveCardProblems, cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import type { TestUser } from '../support/activities';

// A concern about an adult reported while nobody can receive it (no headteacher, no chair of
// governors) is held, and the receipt and the admins say so. Once a headteacher or chair is
// given (in the tab, in the configuration, or any other way) it is delivered to the right one:
// never to the headteacher when they are its subject; to the chair when there is no headteacher
// (who then sees it in the tab). Nothing is lost across a restart.

const NOBODY = { HEADTEACHER_AAD_ID: '', CHAIR_AAD_ID: '' };
const ADULT_NO_CHAIR_HELD = 'Nobody yet: held until a chair of governors is set up in Jigsaw';
const ADULT_HELD = 'Nobody yet: held until a headteacher or chair of governors is set up in Jigsaw';

/** The tab API as `who` (GET, or POST with a body). */
async function callTab(h: Harness, idp: TestIdentityProvider, who: TestUser, path: string, body?: unknown) {
  const res = await fetch(`${h.url}/api/tab/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${await idp.mint(who)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

let submissions = 0;
async function reportAbout(h: Harness, about: 'adult' | 'headteacher', urgency: 'urgent' | 'standard' = 'urgent'): Promise<{ reference: string; concernId: string; receipt: string; card: unknown }> {
  submissions += 1;
  const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
    submissionId: `00000000-0000-4000-a000-${String(submissions).padStart(12, '0')}`,
    category: 'sexual-harassment',
    about,
    adultName: about === 'adult' ? 'Mr J. Smith, PE teacher' : '',
    pupils: 'Amelia Okonkwo (6B)',
    whatHappened: 'Amelia said a teacher made remarks about her body in the changing rooms.',
    occurredOn: '2026-11-20',
    location: 'Sports hall changing rooms',
    urgency,
  });
  const receipt = cardText(res.body.value);
  const reference = /C-\d{4}-\d{5}/.exec(receipt)?.[0];
  if (!reference) throw new Error(`no receipt: ${receipt.slice(0, 300)}`);
  const [row] = await h.db.query<{ concern_id: string }>('SELECT concern_id FROM concerns WHERE reference = $1', [reference]);
  return { reference, concernId: row.concern_id, receipt, card: res.body.value };
}

const inChatOf = (h: Harness, who: TestUser, reference: string) => h.fake.findByText(reference).filter((m) => m.conversationId === h.fake.personalConversationId(who.aadObjectId));
const deliveryOf = async (db: Db, concernId: string) =>
  db.query<{ target_key: string; status: string }>(`SELECT target_key, status FROM outbox WHERE kind = 'concern.send-to-person' AND payload->>'concernId' = $1 ORDER BY outbox_id`, [concernId]);
const recipientOf = async (db: Db, concernId: string) => (await db.query<{ recipient: string }>('SELECT recipient FROM concerns WHERE concern_id = $1', [concernId]))[0]?.recipient;

describe(`concerns about adults held until someone can receive them (${storeKind()})`, () => {
  let h: Harness;
  let idp: TestIdentityProvider;
  const call = (who: TestUser, path: string, body?: unknown) => callTab(h, idp, who, path, body);
  const myReports = async (who: TestUser): Promise<Record<string, string>> =>
    Object.fromEntries(((await call(who, 'my-reports')).body.reports as { reference: string; statusText: string }[]).map((r) => [r.reference, r.statusText]));
  const giveRole = (role: string, who: TestUser) => call(PEOPLE.admin, 'admin/roles', { action: 'assign', role, aadObjectId: who.aadObjectId });

  let aboutAdult: Awaited<ReturnType<typeof reportAbout>>;
  let aboutHead: Awaited<ReturnType<typeof reportAbout>>;

  beforeAll(async () => {
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ env: { ...idp.env, ...NOBODY }, connector: { rateLimits: false } });
    // Known to Jigsaw, so that an admin can give them a role in the tab.
    await h.say(PEOPLE.head, 'hello');
    await h.say(PEOPLE.chair, 'hello');
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
  });

  it('stores and holds them, the receipt says nobody has it yet and what to do, and the admins are alerted', async () => {
    aboutAdult = await reportAbout(h, 'adult');
    aboutHead = await reportAbout(h, 'headteacher');
    for (const held of [aboutAdult, aboutHead]) {
      expect(adaptiveCardProblems(held.card)).toEqual([]);
      expect(held.receipt).not.toMatch(/Sent to\s+the (headteacher|chair of governors), privately/);
      expect(held.receipt).toContain('Not delivered yet');
      expect(held.receipt).toContain('Local Authority Designated Officer (LADO)');
      expect(await deliveryOf(h.db, held.concernId)).toEqual([{ target_key: 'allegation-recipient', status: 'held' }]);
    }
    expect(aboutAdult.receipt).toContain(ADULT_HELD);
    expect(aboutAdult.receipt).toContain('speak to the headteacher in person');
    expect(aboutHead.receipt).toContain(ADULT_NO_CHAIR_HELD);
    expect(aboutHead.receipt).not.toContain('speak to the headteacher');
    // The reporter's "My reports" says the same as the receipt, not "received".
    const mine = await myReports(PEOPLE.teacher);
    expect(mine[aboutAdult.reference]).toBe('Not delivered yet: nobody is set up to receive it. Speak to the headteacher or your LADO directly');
    expect(mine[aboutHead.reference]).toBe('Not delivered yet: nobody is set up to receive it. Speak to the chair of governors or your LADO directly');

    // Each admin is told, by reference only.
    const alerts = await h.db.query<{ kind: string; subject_ref: string; message: string }>('SELECT kind, subject_ref, message FROM admin_alerts WHERE tenant_id = $1 AND resolved_at IS NULL ORDER BY alert_id', [SCHOOL.tenantId]);
    expect(alerts.map((a) => [a.kind, a.subject_ref])).toEqual([
      ['no-headteacher-or-chair', aboutAdult.reference],
      ['no-chair', aboutHead.reference],
    ]);
    expect(alerts[0]!.message).toContain('it is delivered to them as soon as you do');
    const toAdmin = await eventuallySome(() => inChatOf(h, PEOPLE.admin, aboutAdult.reference), 10_000, 'admin alert');
    expect(cardText((toAdmin[0]!.body.attachments as { content: unknown }[])[0]!.content)).not.toContain('Mr J. Smith');
  });

  it('a headteacher given in the tab receives the held concern about an adult in the same transaction; the one about the headteacher stays held', async () => {
    const given = await giveRole('headteacher', PEOPLE.head);
    expect(given.status).toBe(200);
    expect(given.body.message).toContain('A concern about an adult that was held, with nobody to receive it, is now being sent to them.');
    // Committed with the role: already the headteacher's delivery when the tab is answered.
    expect((await deliveryOf(h.db, aboutAdult.concernId)).map((d) => d.target_key)).toEqual([`user:${PEOPLE.head.aadObjectId}`]);
    // Urgent when reported, urgent when released: it is claimed in the urgent tier, ahead of any backlog.
    const [released] = await h.db.query<{ priority: number }>("SELECT priority FROM outbox WHERE tenant_id = $1 AND payload->>'concernId' = $2", [SCHOOL.tenantId, aboutAdult.concernId]);
    expect(Number(released!.priority)).toBe(priorityOf({ urgent: true }));
    expect(priorityOf({ urgent: true })).toBeLessThan(priorityOf({}));

    const [card] = await eventuallySome(() => inChatOf(h, PEOPLE.head, aboutAdult.reference), 10_000, "the headteacher's card");
    expect(cardText((card!.body.attachments as { content: unknown }[])[0]!.content)).toContain('Mr J. Smith, PE teacher');
    expect(await recipientOf(h.db, aboutAdult.concernId)).toBe('headteacher');
    const list = await call(PEOPLE.head, 'private-concerns');
    expect(list.body.concerns.map((c: { reference: string }) => c.reference)).toEqual([aboutAdult.reference]);
    // The chronology says how it got there; the admins' alert about it is resolved.
    const detail = await call(PEOPLE.head, `concerns/${aboutAdult.concernId}`);
    expect(JSON.stringify(detail.body)).toContain('Sent to the headteacher, once one was set up');
    const open = await h.db.query<{ subject_ref: string }>('SELECT subject_ref FROM admin_alerts WHERE tenant_id = $1 AND resolved_at IS NULL AND kind IN ($2, $3)', [SCHOOL.tenantId, 'no-chair', 'no-headteacher-or-chair']);
    expect(open.map((a) => a.subject_ref)).toEqual([aboutHead.reference]);

    // Never the headteacher: the concern about them waits for a chair.
    expect(await deliveryOf(h.db, aboutHead.concernId)).toEqual([{ target_key: 'allegation-recipient', status: 'held' }]);
    expect(inChatOf(h, PEOPLE.head, aboutHead.reference)).toEqual([]);
    expect((await call(PEOPLE.head, `concerns/${aboutHead.concernId}`)).status).toBe(404);
    const mine = await myReports(PEOPLE.teacher);
    expect(mine[aboutAdult.reference]).toBe('Sent to the headteacher, privately');
    expect(mine[aboutHead.reference]).toMatch(/^Not delivered yet/);
  });

  it('with only a chair, the chair receives the held concerns, sees them in the tab and can open them', async () => {
    // The headteacher leaves: a new concern about an adult is held again.
    expect((await call(PEOPLE.admin, 'admin/roles', { action: 'remove', role: 'headteacher', aadObjectId: PEOPLE.head.aadObjectId })).status).toBe(200);
    const later = await reportAbout(h, 'adult', 'standard');
    expect(later.receipt).toContain(ADULT_HELD);
    expect(await recipientOf(h.db, later.concernId)).toBe('headteacher');

    const given = await giveRole('chair', PEOPLE.chair);
    expect(given.status).toBe(200);
    expect(given.body.message).toContain('2 concerns about adults that were held');
    for (const c of [aboutHead, later]) {
      await eventuallySome(() => inChatOf(h, PEOPLE.chair, c.reference), 10_000, `the chair's card for ${c.reference}`);
      expect(await recipientOf(h.db, c.concernId)).toBe('chair');
      expect((await call(PEOPLE.chair, `concerns/${c.concernId}`)).status).toBe(200);
    }
    const list = await call(PEOPLE.chair, 'private-concerns');
    expect(list.body.concerns.map((c: { reference: string }) => c.reference).sort()).toEqual([aboutHead.reference, later.reference].sort());
    expect(JSON.stringify((await call(PEOPLE.chair, `concerns/${later.concernId}`)).body)).toContain('Sent to the chair of governors, once one was set up');
    expect(inChatOf(h, PEOPLE.head, later.reference)).toEqual([]);
  });

  it('a recipient who appears any other way (not through the tab or configuration) is found by the outbox worker', async () => {
    expect((await call(PEOPLE.admin, 'admin/roles', { action: 'remove', role: 'chair', aadObjectId: PEOPLE.chair.aadObjectId })).status).toBe(200);
    const held = await reportAbout(h, 'headteacher', 'standard');
    expect(held.receipt).toContain(ADULT_NO_CHAIR_HELD);
    // As a role given while the concern was being stored would leave it: held, with a chair now there.
    await assignRole(h.db, SCHOOL.tenantId, 'chair', PEOPLE.chair.aadObjectId, 'tab');
    await eventuallySome(() => inChatOf(h, PEOPLE.chair, held.reference), 10_000, "the chair's card");
    // The card reaches Teams before the worker records it as sent: wait for the record.
    await eventually(async () => (await deliveryOf(h.db, held.concernId))[0]?.status === 'sent', 10_000, 'the delivery recorded as sent');
    expect(await deliveryOf(h.db, held.concernId)).toEqual([{ target_key: `user:${PEOPLE.chair.aadObjectId}`, status: 'sent' }]);
  });
});

describe(`held concerns about adults across a restart (${storeKind()})`, () => {
  it('are delivered to a headteacher named in the configuration at the next start, before the worker runs', async () => {
    const db = await createTestDb();
    try {
      const first = await startHarness({ db, env: NOBODY, connector: { rateLimits: false } });
      let held: Awaited<ReturnType<typeof reportAbout>>;
      try {
        held = await reportAbout(first, 'adult');
        expect(held.receipt).toContain(ADULT_HELD);
      } finally {
        await first.stop();
      }
      // Restarted with a headteacher configured, and no outbox worker: the start-up did it.
      const second = await startHarness({ db, env: { CHAIR_AAD_ID: '' }, connector: { rateLimits: false }, jigsaw: { runWorker: false } });
      try {
        expect(await deliveryOf(db, held.concernId)).toEqual([{ target_key: `user:${PEOPLE.head.aadObjectId}`, status: 'pending' }]);
        await second.app.worker.drainOnce();
        expect(inChatOf(second, PEOPLE.head, held.reference)).toHaveLength(1);
      } finally {
        await second.stop();
      }
    } finally {
      await db.close();
    }
  }, 60_000);

  it('a copy still queued for a headteacher who is no longer the one configured goes to the new one at the next start', async () => {
    const db = await createTestDb();
    try {
      const first = await startHarness({ db, connector: { rateLimits: false }, jigsaw: { runWorker: false } });
      let queued: Awaited<ReturnType<typeof reportAbout>>;
      try {
        queued = await reportAbout(first, 'adult', 'standard');
        expect(await deliveryOf(db, queued.concernId)).toEqual([{ target_key: `user:${PEOPLE.head.aadObjectId}`, status: 'pending' }]);
      } finally {
        await first.stop();
      }
      const second = await startHarness({ db, env: { HEADTEACHER_AAD_ID: PEOPLE.dsl2.aadObjectId }, connector: { rateLimits: false }, jigsaw: { runWorker: false } });
      try {
        expect(await deliveryOf(db, queued.concernId)).toEqual([{ target_key: `user:${PEOPLE.dsl2.aadObjectId}`, status: 'pending' }]);
        await second.app.worker.drainOnce();
        expect(inChatOf(second, PEOPLE.head, queued.reference)).toEqual([]);
      } finally {
        await second.stop();
      }
    } finally {
      await db.close();
    }
  }, 60_000);

  it('are held too when they were stored before held deliveries existed (the migration), and released like the others', async () => {
    const db = await createTestDb();
    try {
      const tenantId = '6f1c2b3a-0000-4000-8000-0000000000e4';
      const head = 'dddddddd-0000-4000-8000-0000000000e4';
      await upsertTenant(db, { tenantId, schoolName: 'Avenue House', timeZone: 'Europe/London' });
      const concerns = new ConcernRepository(NarrativeCipher.fromConfig(`k1:${Buffer.alloc(32, 9).toString('base64')}`));
      const reporter = { aadObjectId: 'aaaaaaaa-0000-4000-8000-0000000000e4', name: 'Sam Teacher' };
      // As the previous version stored it: the concern, and no delivery at all.
      const concernId = randomUUID();
      await concerns.insert(
        db,
        { tenantId, concernId, reporter, report: { pupils: [], about: 'adult', adultName: 'Mr X', category: 'concern-about-adult', whatHappened: 'Something the head must know.', occurredOn: '2026-11-20', location: 'School', urgency: 'standard' }, recipient: 'headteacher', now: new Date() },
        { type: 'reported', actor: reporter, details: {} },
      );
      await db.exec(readFileSync(join(MIGRATIONS_DIR, '20261128100000-held-allegations.sql'), 'utf8'));
      expect(await deliveryOf(db, concernId)).toEqual([{ target_key: 'allegation-recipient', status: 'held' }]);

      await assignRole(db, tenantId, 'headteacher', head);
      expect(await releaseHeldAllegations({ db, concerns, now: () => new Date() }, tenantId)).toBe(1);
      expect(await deliveryOf(db, concernId)).toEqual([{ target_key: `user:${head}`, status: 'pending' }]);
      // Once released (or delivered), running it again changes nothing.
      await db.exec(readFileSync(join(MIGRATIONS_DIR, '20261128100000-held-allegations.sql'), 'utf8'));
      expect(await releaseHeldAllegations({ db, concerns, now: () => new Date() }, tenantId)).toBe(0);
      expect(await deliveryOf(db, concernId)).toEqual([{ target_key: `user:${head}`, status: 'pending' }]);
      await clearRole(db, tenantId, 'headteacher');
    } finally {
      await db.close();
    }
  });
});

describe(`copies of concerns about adults still waiting for Teams when the role passes on (${storeKind()})`, () => {
  // No outbox worker: each copy stays queued (as in a Teams outage) until drainOnce.
  let h: Harness;
  let idp: TestIdentityProvider;
  const NEW_HEAD = PEOPLE.dsl2;
  const call = (who: TestUser, path: string, body?: unknown) => callTab(h, idp, who, path, body);
  const roles = (action: 'assign' | 'remove', role: string, who: TestUser) => call(PEOPLE.admin, 'admin/roles', { action, role, aadObjectId: who.aadObjectId });
  const chronology = async (who: TestUser, concernId: string) => JSON.stringify((await call(who, `concerns/${concernId}`)).body);

  beforeAll(async () => {
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ env: { ...idp.env, ...NOBODY }, connector: { rateLimits: false }, jigsaw: { runWorker: false } });
    for (const who of [PEOPLE.head, PEOPLE.chair, NEW_HEAD]) await h.say(who, 'hello');
    expect((await roles('assign', 'headteacher', PEOPLE.head)).status).toBe(200);
    expect((await roles('assign', 'chair', PEOPLE.chair)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
  });

  it('a new headteacher receives the copy queued for the former one, who never does', async () => {
    const queued = await reportAbout(h, 'adult', 'standard');
    expect(await deliveryOf(h.db, queued.concernId)).toEqual([{ target_key: `user:${PEOPLE.head.aadObjectId}`, status: 'pending' }]);

    expect((await roles('assign', 'headteacher', NEW_HEAD)).status).toBe(200);
    expect(await deliveryOf(h.db, queued.concernId)).toEqual([{ target_key: `user:${NEW_HEAD.aadObjectId}`, status: 'pending' }]);
    await h.app.worker.drainOnce();
    expect(inChatOf(h, NEW_HEAD, queued.reference)).toHaveLength(1);
    expect(inChatOf(h, PEOPLE.head, queued.reference)).toEqual([]);
    expect(await recipientOf(h.db, queued.concernId)).toBe('headteacher');
    expect(await chronology(NEW_HEAD, queued.concernId)).toContain('Not sent to the former headteacher (the role passed on before it was delivered): sent to the headteacher instead');
  });

  it('a headteacher taken away: the queued copy goes to the chair instead', async () => {
    const queued = await reportAbout(h, 'adult', 'standard');
    expect(await deliveryOf(h.db, queued.concernId)).toEqual([{ target_key: `user:${NEW_HEAD.aadObjectId}`, status: 'pending' }]);

    const removed = await roles('remove', 'headteacher', NEW_HEAD);
    expect(removed.status).toBe(200);
    expect(removed.body.message).toContain('A concern about an adult that had not yet reached them is now being sent to whoever receives them instead.');
    expect(await deliveryOf(h.db, queued.concernId)).toEqual([{ target_key: `user:${PEOPLE.chair.aadObjectId}`, status: 'pending' }]);
    expect(await recipientOf(h.db, queued.concernId)).toBe('chair');
    await h.app.worker.drainOnce();
    expect(inChatOf(h, PEOPLE.chair, queued.reference)).toHaveLength(1);
    expect(inChatOf(h, NEW_HEAD, queued.reference)).toEqual([]);
    expect(await chronology(PEOPLE.chair, queued.concernId)).toContain('Not sent to the former headteacher (the role passed on before it was delivered): sent to the chair of governors instead');
  });

  it('a chair taken away with nobody to follow: the copy is held again, the admins told, the former chair never sent it', async () => {
    const queued = await reportAbout(h, 'headteacher', 'standard');
    expect(await deliveryOf(h.db, queued.concernId)).toEqual([{ target_key: `user:${PEOPLE.chair.aadObjectId}`, status: 'pending' }]);

    expect((await roles('remove', 'chair', PEOPLE.chair)).status).toBe(200);
    expect(await deliveryOf(h.db, queued.concernId)).toEqual([{ target_key: 'allegation-recipient', status: 'held' }]);
    const alerts = await h.db.query<{ kind: string }>('SELECT kind FROM admin_alerts WHERE tenant_id = $1 AND subject_ref = $2 AND resolved_at IS NULL', [SCHOOL.tenantId, queued.reference]);
    expect(alerts.map((a) => a.kind)).toEqual(['no-chair']);
    await h.app.worker.drainOnce();
    expect(inChatOf(h, PEOPLE.chair, queued.reference)).toEqual([]);

    // The next chair receives it, and its chronology says where it has been.
    expect((await roles('assign', 'chair', PEOPLE.chair)).status).toBe(200);
    await h.app.worker.drainOnce();
    expect(inChatOf(h, PEOPLE.chair, queued.reference)).toHaveLength(1);
    const said = await chronology(PEOPLE.chair, queued.concernId);
    expect(said).toContain('Not sent to the former chair of governors (the role passed on before it was delivered): held until a chair of governors is set up');
    expect(said).toContain('Sent to the chair of governors, once one was set up');
  });
});
