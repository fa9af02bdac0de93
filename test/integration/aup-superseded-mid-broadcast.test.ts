import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { listAupSends, replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { AupSender } from '../../src/jobs/aup-sender';
import { createTeamsSendPacing, realClock } from '../../src/jobs/send-pacing';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { createTestDb, storeKind } from '../support/test-db';
import { RecordingGateway } from '../support/recording-gateway';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

// A school publishes version 2 while version 1 is still going out. Cards of version 1 that have
// not reached Teams yet must not go out after version 2 is published, even those the sender had
// already picked up and prepared (waiting for their turn in the rate limit).
const TENANT = 'aup-superseded-mid-broadcast-tenant';
const PEOPLE = [personId(1), personId(2), personId(3), personId(4)];
const ADMIN = personId(60);
const V2_DRAFT = { ...STAFF_DRAFT, title: 'Revised Staff Acceptable Use Policy', changeSummary: 'Adds the rules on AI tools.' };

/**
 * The Teams budget, except that nobody after the first `after` asks gets a token until
 * `release()`; `waiting` counts who is held.
 */
function heldPacing(options: { after?: number } = {}): { pacing: ReturnType<typeof createTeamsSendPacing>; waiting: () => number; release: () => void } {
  const pacing = createTeamsSendPacing(50, realClock);
  let asked = 0;
  let waiting = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const acquire = pacing.bucket.acquire.bind(pacing.bucket);
  pacing.bucket.acquire = async (n?: number) => {
    if (++asked > (options.after ?? 0)) {
      waiting++;
      await released;
    }
    return acquire(n);
  };
  return { pacing, waiting: () => waiting, release };
}

describe(`AUP: a version replaced mid-broadcast (${storeKind()})`, () => {
  let db: Db;
  const now = () => new Date();
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
  });
  afterAll(() => db.close());

  it("sends none of the old version's remaining cards once the new one is published, including those already prepared", async () => {
    const gateway = new RecordingGateway(ADMIN);
    const held = heldPacing();
    await replaceAudienceMembers(db, TENANT, 'staff', PEOPLE.map((id, i) => ({ personId: id, aadObjectId: id, displayName: `Staff ${i + 1}` })), 'group', now());
    const v1 = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN });
    const sender = new AupSender(
      { db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now, pacing: held.pacing },
      { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 2, maxAttempts: 5, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 100 },
    );
    try {
      sender.start();
      sender.poke();
      // Two cards of version 1 are claimed and prepared, waiting for the rate limit; two are still queued.
      while (held.waiting() < 2) await new Promise((r) => setTimeout(r, 10));
      const v2 = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: V2_DRAFT, publishedBy: ADMIN });
      held.release();
      await sender.idle(10_000);

      const sent = gateway.take();
      expect(sent.filter((s) => s.text.includes(V2_DRAFT.title))).toHaveLength(PEOPLE.length);
      expect(sent.filter((s) => !s.text.includes(V2_DRAFT.title))).toEqual([]);
      const old = await listAupSends(db, TENANT, v1.version.versionId, 'ask');
      expect(old.map((s) => [s.status, s.lastError])).toEqual(PEOPLE.map(() => ['skipped', 'replaced by a newer version']));
      expect((await listAupSends(db, TENANT, v2.version.versionId, 'ask')).map((s) => s.status)).toEqual(PEOPLE.map(() => 'sent'));
    } finally {
      held.release();
      await sender.stop();
    }
  });

  it("the replaced version's progress card ends saying it was replaced, by which version, with its final counts", async () => {
    const gateway = new RecordingGateway(ADMIN);
    await replaceAudienceMembers(db, TENANT, 'governors', PEOPLE.map((id, i) => ({ personId: id, aadObjectId: id, displayName: `Governor ${i + 1}` })), 'group', now());
    const GOVERNORS_DRAFT = { ...STAFF_DRAFT, audience: 'governors' as const, title: 'Governor Acceptable Use Policy' };
    await publishAupVersion({ db, now }, { tenantId: TENANT, draft: GOVERNORS_DRAFT, publishedBy: ADMIN });
    // The first card and the admin's progress card go; the second card waits for its token.
    const held = heldPacing({ after: 2 });
    const sender = new AupSender(
      { db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now, pacing: held.pacing },
      { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 1, maxAttempts: 5, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 100 },
    );
    let v1CardId = '';
    try {
      sender.start();
      sender.poke();
      while (held.waiting() < 1) await new Promise((r) => setTimeout(r, 10));
      const v1Card = gateway.sent.findIndex((s) => s.to === ADMIN);
      expect(gateway.sent[v1Card]?.text).toContain('AUP broadcast in progress');
      v1CardId = String(v1Card + 1); // the recording gateway numbers what it sends from 1
      await publishAupVersion({ db, now }, { tenantId: TENANT, draft: { ...GOVERNORS_DRAFT, title: 'Revised Governor Acceptable Use Policy' }, publishedBy: ADMIN });
      held.release();
      await sender.idle(10_000);
    } finally {
      held.release();
      await sender.stop();
    }
    const last = gateway.updated.filter((u) => u.activityId === v1CardId).at(-1)?.text ?? '';
    expect(last).toContain('Governor Acceptable Use Policy (version 1)');
    expect(last).toContain('AUP broadcast replaced by version 2');
    expect(last).not.toContain('in progress');
    // Final counts: one of four delivered, the other three not sent (no card needed).
    expect(last).toMatch(/Delivered\W+1 \(25%\)/);
    expect(last).toMatch(/Waiting\W+0/);
    expect(last).toMatch(/No Teams card needed\W+3/);
  });

  it('the admin\'s progress card says finished when the last cards of a broadcast were skipped', async () => {
    const gateway = new RecordingGateway(ADMIN);
    const [stays, ...leavers] = PEOPLE;
    await replaceAudienceMembers(db, TENANT, 'volunteers', PEOPLE.map((id, i) => ({ personId: id, aadObjectId: id, displayName: `Volunteer ${i + 1}` })), 'group', now());
    await publishAupVersion({ db, now }, { tenantId: TENANT, draft: { ...STAFF_DRAFT, audience: 'volunteers', title: 'Volunteer Acceptable Use Policy' }, publishedBy: ADMIN });
    // Everyone but the first is taken out of the list before their card goes: the broadcast ends on skips.
    await replaceAudienceMembers(db, TENANT, 'volunteers', [{ personId: stays!, aadObjectId: stays!, displayName: 'Volunteer 1' }], 'group', now());
    const sender = new AupSender(
      { db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now },
      { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 1, maxAttempts: 5, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 100 },
    );
    try {
      sender.start();
      sender.poke();
      await sender.idle(10_000);
    } finally {
      await sender.stop();
    }
    // The progress card was posted after the first card and is updated in place (the gateway records both).
    const posted = gateway.sent.filter((s) => s.to === ADMIN).map((s) => s.text);
    expect(posted).toHaveLength(1);
    expect(gateway.updated.at(-1)?.text ?? posted[0]).toContain('AUP broadcast finished');
    expect(gateway.take().map((s) => s.to)).toEqual([stays]);
    expect(sender.stats.skipped).toBe(leavers.length);
  });
});
