// An admin finds and re-sends the AUP cards that did not arrive: Teams refused some people until
// AUP_MAX_SEND_ATTEMPTS ran out ('failed'); one card is 'uncertain' (the sender died mid-call).
// `jigsaw aup stuck` names them; `jigsaw aup retry --failed` re-queues only the failed ones still
// wanted, and the running sender delivers them once Teams accepts.
import type { Db } from '../../src/store/db';
import { insertAcknowledgement, listAupSends, replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { aupCommand } from '../../src/cli/aup';
import { createTeamsConnectorFake } from '../fakes/teams-connector';
import { eventually, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';
import { runCliCommand } from '../support/run-cli-command';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

const [refused, refusedThenAgreed, delivered, uncertain] = ['Rita Refused', 'Paul Paper', 'Dora Delivered', 'Una Unsure'].map((name, i) => ({ aadObjectId: personId(300 + i), name, id: `29:${personId(300 + i)}` }));
const STAFF = [refused!, refusedThenAgreed!, delivered!, uncertain!];

describe(`jigsaw aup stuck / retry (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('lists failed and uncertain cards by name, re-queues only the failed ones still wanted, and the sender delivers them once', async () => {
    const fake = await createTeamsConnectorFake({
      tenantId: SCHOOL.tenantId,
      botId: SCHOOL.botId,
      rateLimits: false,
      users: [...Object.values(PEOPLE).map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })), ...STAFF],
      teams: [],
    });
    const h = await startHarness({ db, fake, env: { AUP_MAX_SEND_ATTEMPTS: '2', OUTBOX_MIN_BACKOFF_MS: '10' } });
    const cli = (...args: string[]) => runCliCommand(aupCommand, args, db, { BOOTSTRAP_TENANT_ID: SCHOOL.tenantId, LOG_LEVEL: 'silent' });
    const cardsFor = (p: { aadObjectId: string }) => fake.activitiesIn(fake.personalConversationId(p.aadObjectId)).filter((m) => !m.deleted && JSON.stringify(m.body.attachments ?? '').includes(STAFF_DRAFT.title));
    const progressFacts = () => {
      const facts = JSON.stringify(fake.lastCardIn(fake.personalConversationId(PEOPLE.admin.aadObjectId)) ?? {}).match(/"facts":(\[[^\]]*\])/)?.[1];
      return Object.fromEntries((facts ? (JSON.parse(facts) as { title: string; value: string }[]) : []).map((f) => [f.title, f.value]));
    };
    try {
      await replaceAudienceMembers(db, SCHOOL.tenantId, 'staff', STAFF.map((p) => ({ personId: p.aadObjectId, aadObjectId: p.aadObjectId, displayName: p.name })), 'group', new Date());
      // Teams keeps refusing two people (a transient status, so the sender retries until its attempts run out).
      const outage = fake.failWhile((r) => r.operation === 'createConversation' && [refused!, refusedThenAgreed!].some((p) => JSON.stringify(r.body ?? '').includes(p.aadObjectId)), 502);
      const { version } = await publishAupVersion({ db, now: () => new Date() }, { tenantId: SCHOOL.tenantId, draft: STAFF_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(30_000);
      const statusOf = async (p: { aadObjectId: string }) => (await listAupSends(db, SCHOOL.tenantId, version.versionId, 'ask')).find((s) => s.personId === p.aadObjectId)!;
      expect((await statusOf(refused!)).status).toBe('failed');
      expect((await statusOf(refusedThenAgreed!)).status).toBe('failed');
      // The reason kept is the status and fixed words, never what the SDK's error said (it can echo the card).
      expect((await statusOf(refused!)).lastError).toBe('502: Teams had a server error');
      // The sender died while calling Teams for Una: her card may or may not be in her chat.
      await db.query(`UPDATE aup_sends SET status = 'uncertain', last_error = 'the sender stopped while Teams was being called; not re-sent to avoid a second card' WHERE person_id = $1`, [uncertain!.aadObjectId]);
      // Paul signed on paper meanwhile.
      await insertAcknowledgement(db, { tenantId: SCHOOL.tenantId, versionId: version.versionId, personId: refusedThenAgreed!.aadObjectId, displayName: refusedThenAgreed!.name, acknowledgedAt: new Date(), contentHash: version.contentHash, method: 'paper', recordedBy: PEOPLE.admin.aadObjectId });

      const stuck = await cli('stuck', version.versionId);
      expect(stuck).toMatchObject({ code: 0, err: '' });
      expect(stuck.out).toContain(`staff v1 ${version.versionId}: 2 failed, 1 uncertain`);
      expect(stuck.out).toMatch(new RegExp(`failed .*Rita Refused \\(${refused!.aadObjectId}\\)  first card: 502: Teams had a server error\n`));
      expect(stuck.out).toMatch(/failed .*Paul Paper .*\[not retried: has acknowledged since\]/);
      expect(stuck.out).toMatch(/uncertain .*Una Unsure .*first card: the sender stopped/);
      expect(stuck.out).not.toContain('Dora Delivered');
      expect((await cli('stuck')).out).toContain('Rita Refused');
      // Progress gives counts only, and says where the names are.
      const progress = await cli('progress', version.versionId);
      expect(progress.out).toContain(`Who failed or is uncertain, and why: jigsaw aup stuck ${version.versionId}`);
      expect(progress.out).not.toContain('Rita Refused');

      // Bad input: said plainly, exit 2; nothing changes.
      expect(await cli('retry', version.versionId)).toMatchObject({ code: 2, err: expect.stringContaining('--failed') });
      expect(await cli('retry', '00000000-0000-4000-8000-000000000000', '--failed')).toMatchObject({ code: 2, err: expect.stringContaining('No AUP version 00000000-0000-4000-8000-000000000000') });

      await eventually(() => progressFacts()['Not reachable in Teams'] === '2', 10_000, 'progress card finished with two failed');
      outage();
      const retried = await cli('retry', version.versionId, '--failed');
      expect(retried).toMatchObject({ code: 0, err: '' });
      expect(retried.out).toMatch(/re-queued +failed +Rita Refused/);
      expect(retried.out).toMatch(/left out +failed +Paul Paper .*: has acknowledged since/);
      expect(retried.out).toContain('Re-queued 1 card(s) for staff v1');
      expect(retried.out).not.toContain('Una Unsure');
      expect(retried.out).not.toContain('twice');

      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(30_000);
      expect(cardsFor(refused!)).toHaveLength(1);
      expect((await statusOf(refused!)).status).toBe('sent');
      expect(cardsFor(refusedThenAgreed!)).toHaveLength(0);
      expect((await statusOf(refusedThenAgreed!)).status).toBe('failed');
      expect(cardsFor(uncertain!)).toHaveLength(1); // not sent again without --uncertain
      expect((await statusOf(uncertain!)).status).toBe('uncertain');
      expect(cardsFor(delivered!)).toHaveLength(1);
      // The admin's progress card, finished after the first round, shows the retried card as delivered.
      await eventually(() => progressFacts()['Not reachable in Teams'] === '1' && progressFacts()['Delivery uncertain'] === '1', 10_000, 'progress card updated after the retry');

      // Nothing left that may be retried: said, exit 0.
      expect(await cli('retry', version.versionId, '--failed')).toMatchObject({ code: 0, out: expect.stringContaining('Nothing re-queued') });
      // Opting in to the uncertain ones says plainly that a second card is possible.
      const both = await cli('retry', version.versionId, '--uncertain', '--person', uncertain!.aadObjectId);
      expect(both.out).toMatch(/re-queued +uncertain +Una Unsure/);
      expect(both.out).toContain('may now see it twice');
      h.app.aup.sender.poke();
      await h.app.aup.sender.idle(30_000);
      expect((await statusOf(uncertain!)).status).toBe('sent');
    } finally {
      await h.stop();
      await fake.stop();
    }
  });
});
