import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { importAupAcknowledgements } from '../../src/services/aup-import';
import { buildAupRegister } from '../../src/services/aup-register';
import { AupSender } from '../../src/jobs/aup-sender';
import { AupScheduler } from '../../src/jobs/aup-scheduler';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { createTestDb, storeKind } from '../support/test-db';
import { RecordingGateway } from '../support/recording-gateway';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

const TENANT = 'aup-reminders-paper-tenant';
const [A, B, C, ADMIN] = [personId(81), personId(82), personId(83), personId(89)];
const NAMES: Record<string, string> = { [A]: 'Alice Able', [B]: 'Bob Baker', [C]: 'Carol Cole' };

// The rule: a reminder (of a first card or of a yearly renewal) is stopped by any acknowledgement
// of the version that is still current, whenever it was made; not only one made after the card.
describe(`AUP reminders stop for anyone the register shows as current, paper included (${storeKind()})`, () => {
  let db: Db;
  let clock = new Date('2026-12-15T00:05:00Z'); // the card is queued at 00:05 on the 15th
  const now = () => clock;
  const gateway = new RecordingGateway(ADMIN);
  let sender: AupSender;
  let scheduler: AupScheduler;
  let versionId: string;
  const paper = (id: string, on: string) => importAupAcknowledgements({ db, now, timeZone: 'Europe/London' }, { tenantId: TENANT, csv: `person_id,name,audience,version,acknowledged_on,method\n${id},${NAMES[id]},staff,1,${on},paper`, importedBy: ADMIN });
  const status = async (id: string) => (await buildAupRegister({ db, now, rules: DEFAULT_AUP_RULES }, TENANT)).find((e) => e.personId === id)?.status;
  const sendAll = async () => {
    sender.poke();
    await sender.idle(10_000);
    return gateway.take().map((s) => [s.to, s.text.match(/Reminder \d|Yearly renewal/)?.[0] ?? 'card']);
  };

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
    await replaceAudienceMembers(db, TENANT, 'staff', [A, B, C].map((id) => ({ personId: id, aadObjectId: id, displayName: NAMES[id]! })), 'group', clock);
    sender = new AupSender(
      { db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now },
      { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 2, maxAttempts: 5, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 100 },
    );
    scheduler = new AupScheduler({ db, logger: silentLogger, rules: DEFAULT_AUP_RULES, now }, 60_000);
    sender.start();
    versionId = (await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN })).version.versionId;
  });
  afterAll(async () => {
    await sender.stop();
    await db.close();
  });

  it('paper signed the day before the card, imported after it: no reminder', async () => {
    expect((await sendAll()).sort()).toEqual([[A, 'card'], [B, 'card'], [C, 'card']]);
    clock = new Date('2026-12-16T10:00:00Z');
    expect(await paper(A, '2026-12-14')).toMatchObject({ imported: 1, problems: [] }); // stored 14 Dec 12:00 UTC, before the card
    expect(await status(A)).toBe('current');
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: B, name: NAMES[B]! }, versionId })).kind).toBe('recorded');

    clock = new Date('2026-12-22T00:05:00Z'); // 7 days after the card
    expect((await scheduler.runOnce()).reminders).toBe(1);
    expect(await sendAll()).toEqual([[C, 'Reminder 1']]);
  });

  it('a reminder already queued for someone who is current is not sent', async () => {
    clock = new Date('2026-12-29T00:04:00Z');
    // Carol's form, signed on the 14th (before her card), is imported just after her 14-day reminder was queued.
    // Due a minute later by the test's clock, so the running sender cannot take it before the import.
    const due = new Date(clock.getTime() + 60_000);
    await db.query(`INSERT INTO aup_sends (tenant_id, version_id, person_id, purpose, aad_object_id, status, next_attempt_at, created_at) VALUES ($1, $2, $3, 'ask/r2', $3, 'queued', $4, $5)`, [TENANT, versionId, C, due, clock]);
    expect(await paper(C, '2026-12-14')).toMatchObject({ imported: 1 });
    clock = due;
    expect(await sendAll()).toEqual([]);
  });

  it('a yearly renewal is stopped by a newer acknowledgement, even one dated before the renewal card; not by the lapsed one', async () => {
    // Alice's and Carol's paper (14 Dec 2026, 12:00 UTC) lapses on 14 Dec 2027: renewal cards, and
    // no reminder of their first card (it was answered; the renewal asks now).
    clock = new Date('2027-12-14T12:30:00Z');
    expect(await scheduler.runOnce()).toEqual({ reminders: 0, renewals: 2, deadlineReports: 0 });
    expect((await sendAll()).sort()).toEqual([[A, 'Yearly renewal'], [C, 'Yearly renewal']]);
    // Bob agreed in Teams on 16 Dec 2026 at 10:00: renewal card on 16 Dec 2027 at 10:05.
    clock = new Date('2027-12-16T10:05:00Z');
    expect((await scheduler.runOnce()).renewals).toBe(1);
    expect(await sendAll()).toEqual([[B, 'Yearly renewal']]);
    // Bob had re-signed on paper on the 15th (before his renewal card), imported on the 17th.
    clock = new Date('2027-12-17T09:00:00Z');
    expect(await paper(B, '2027-12-15')).toMatchObject({ imported: 1 });
    expect(await status(B)).toBe('current');

    clock = new Date('2027-12-23T10:05:00Z'); // 7 days after Bob's renewal card, 9 after Alice's and Carol's
    const run = await scheduler.runOnce();
    // Bob is current: no reminder. Alice's and Carol's lapsed paper does not answer their renewals.
    expect(run).toEqual({ reminders: 2, renewals: 0, deadlineReports: 0 });
    expect((await sendAll()).sort()).toEqual([[A, 'Reminder 1'], [C, 'Reminder 1']]);
    // A renewal reminder queued for Bob before his paper was imported is not sent either.
    await db.query(`INSERT INTO aup_sends (tenant_id, version_id, person_id, purpose, aad_object_id, status, next_attempt_at, created_at) VALUES ($1, $2, $3, 'renew:2027-12-16/r2', $3, 'queued', $4, $4)`, [TENANT, versionId, B, clock]);
    expect(await sendAll()).toEqual([]);
  });
});
