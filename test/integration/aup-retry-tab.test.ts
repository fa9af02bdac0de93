// An admin sees, in the tab, whose AUP card did not arrive and sends it again: the same choice as
// `jigsaw aup retry` (people who agreed since are left out; uncertain cards only when asked for
// on their own), and the running sender delivers the re-queued cards once Teams accepts.
import type { Db } from '../../src/store/db';
import { insertAcknowledgement, listAupSends, replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { createTeamsConnectorFake } from '../fakes/teams-connector';
import { PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';
import { startTestIdentityProvider } from '../support/test-identity-provider';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

const [refused, agreedOnPaper, delivered, unsure] = ['Rita Refused', 'Paul Paper', 'Dora Delivered', 'Una Unsure'].map((name, i) => ({ aadObjectId: personId(320 + i), name, id: `29:${personId(320 + i)}` }));
const STAFF = [refused!, agreedOnPaper!, delivered!, unsure!];

describe(`tab: AUP cards that did not arrive (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('lists them by name with the reason, sends the failed ones again on request, and the uncertain ones only when asked for separately', async () => {
    const idp = await startTestIdentityProvider(SCHOOL.tenantId);
    const fake = await createTeamsConnectorFake({
      tenantId: SCHOOL.tenantId,
      botId: SCHOOL.botId,
      rateLimits: false,
      users: [...Object.values(PEOPLE).map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })), ...STAFF],
      teams: [],
    });
    const h = await startHarness({ db, fake, env: { ...idp.env, AUP_MAX_SEND_ATTEMPTS: '2', OUTBOX_MIN_BACKOFF_MS: '10' } });
    const call = async (who: { aadObjectId: string; name: string }, path: string, body?: unknown) => {
      const res = await fetch(`${h.url}/api/tab/${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${await idp.mint(who)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const cardsFor = (p: { aadObjectId: string }) => fake.activitiesIn(fake.personalConversationId(p.aadObjectId)).filter((m) => !m.deleted && JSON.stringify(m.body.attachments ?? '').includes(STAFF_DRAFT.title));
    try {
      await replaceAudienceMembers(db, SCHOOL.tenantId, 'staff', STAFF.map((p) => ({ personId: p.aadObjectId, aadObjectId: p.aadObjectId, displayName: p.name })), 'group', new Date());
      const outage = fake.failWhile((r) => r.operation === 'createConversation' && [refused!, agreedOnPaper!].some((p) => JSON.stringify(r.body ?? '').includes(p.aadObjectId)), 502);
      const { version } = await publishAupVersion({ db, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: STAFF_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(30_000);
      const statusOf = async (p: { aadObjectId: string }) => (await listAupSends(db, SCHOOL.tenantId, version.versionId, 'ask')).find((s) => s.personId === p.aadObjectId)!.status;
      expect(await statusOf(refused!)).toBe('failed');
      await db.query(`UPDATE aup_sends SET status = 'uncertain', last_error = 'the sender stopped while Teams was being called; not re-sent to avoid a second card' WHERE person_id = $1`, [unsure!.aadObjectId]);
      await insertAcknowledgement(db, { tenantId: SCHOOL.tenantId, versionId: version.versionId, personId: agreedOnPaper!.aadObjectId, displayName: agreedOnPaper!.name, acknowledgedAt: new Date(), contentHash: version.contentHash, method: 'paper', recordedBy: PEOPLE.admin.aadObjectId });

      const page = await call(PEOPLE.admin, 'admin/aup');
      expect(page.status).toBe(200);
      const staff = page.body.versions.find((v: { versionId: string }) => v.versionId === version.versionId);
      const byName = Object.fromEntries(staff.stuck.map((x: { name: string }) => [x.name, x]));
      expect(Object.keys(byName).sort()).toEqual(['Paul Paper', 'Rita Refused', 'Una Unsure']);
      expect(byName['Rita Refused']).toMatchObject({ status: 'failed', card: 'first card', reason: '502: Teams had a server error' });
      expect(byName['Rita Refused'].notRetried).toBeUndefined();
      expect(byName['Paul Paper']).toMatchObject({ status: 'failed', notRetried: 'has acknowledged since' });
      expect(byName['Una Unsure']).toMatchObject({ status: 'uncertain' });

      // Only admins; a request it cannot read is refused and changes nothing.
      expect((await call(PEOPLE.dsl1, 'admin/aup/retry', { versionId: version.versionId, which: 'failed' })).status).toBe(403);
      expect((await call(PEOPLE.admin, 'admin/aup/retry', { versionId: version.versionId, which: 'everyone' })).status).toBe(400);
      expect((await call(PEOPLE.admin, 'admin/aup/retry', { versionId: '00000000-0000-4000-8000-000000000000', which: 'failed' })).status).toBe(404);
      expect(await statusOf(refused!)).toBe('failed');

      outage();
      const retried = await call(PEOPLE.admin, 'admin/aup/retry', { versionId: version.versionId, which: 'failed' });
      expect(retried).toMatchObject({ status: 200, body: { requeued: 1, leftOut: 1 } });
      expect(retried.body.message).toContain('Sending the card again to 1 person');
      expect(retried.body.message).not.toContain('twice');
      await h.app.aup.sender.idle(30_000);
      expect(cardsFor(refused!)).toHaveLength(1);
      expect(await statusOf(refused!)).toBe('sent');
      expect(cardsFor(agreedOnPaper!)).toHaveLength(0);
      expect(cardsFor(unsure!)).toHaveLength(1); // its first card did arrive; not sent again until asked for
      expect(await statusOf(unsure!)).toBe('uncertain');

      const uncertainToo = await call(PEOPLE.admin, 'admin/aup/retry', { versionId: version.versionId, which: 'uncertain' });
      expect(uncertainToo).toMatchObject({ status: 200, body: { requeued: 1 } });
      expect(uncertainToo.body.message).toContain('may see it twice');
      await h.app.aup.sender.idle(30_000);
      expect(await statusOf(unsure!)).toBe('sent');
      expect(cardsFor(unsure!)).toHaveLength(2);
      expect(cardsFor(delivered!)).toHaveLength(1);
      const after = (await call(PEOPLE.admin, 'admin/aup')).body.versions.find((v: { versionId: string }) => v.versionId === version.versionId);
      expect(after.stuck.map((x: { name: string }) => x.name)).toEqual(['Paul Paper']);
    } finally {
      await h.stop();
      await fake.stop();
      await idp.stop();
    }
  });
});
