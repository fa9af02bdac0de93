import type { Db } from '../../src/store/db';
import { assignRole, upsertTenant } from '../../src/store/tenant.repo';
import { replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { AupSender } from '../../src/jobs/aup-sender';
import { AupScheduler } from '../../src/jobs/aup-scheduler';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { createTestDb, storeKind } from '../support/test-db';
import { RecordingGateway } from '../support/recording-gateway';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

// People taken out of an audience (left the school, a corrected volunteer list, a governor who
// stepped down) are asked no more: no queued card, no reminder, no yearly renewal, and they are
// not on the online-safety lead's list of people who have not agreed.
const TENANT = 'aup-audience-change-tenant';
const [A, B, C, OSL, ADMIN] = [personId(1), personId(2), personId(3), personId(50), personId(60)];
const NAMES: Record<string, string> = { [A]: 'Alice Able', [B]: 'Bob Baker', [C]: 'Carol Cole' };
const DAY = 86_400_000;

describe(`AUP: people removed from an audience (${storeKind()})`, () => {
  let db: Db;
  const start = new Date('2026-12-01T08:00:00Z');
  let clock = start;
  const now = () => clock;
  const at = (days: number) => (clock = new Date(start.getTime() + days * DAY));
  const gateway = new RecordingGateway(ADMIN);
  let sender: AupSender;
  let scheduler: AupScheduler;
  const members = (ids: string[]) => replaceAudienceMembers(db, TENANT, 'staff', ids.map((id) => ({ personId: id, aadObjectId: id, displayName: NAMES[id]! })), 'group', clock);

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
    await assignRole(db, TENANT, 'online_safety_lead', OSL);
    sender = new AupSender(
      { db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now },
      { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 2, maxAttempts: 5, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 100 },
    );
    scheduler = new AupScheduler({ db, logger: silentLogger, rules: DEFAULT_AUP_RULES, now }, 60_000);
  });
  afterAll(async () => {
    await sender.stop();
    await db.close();
  });

  it('a card still queued is not sent to someone removed from the audience before it went', async () => {
    await members([A, B, C]);
    await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN });
    await members([A, B]); // Carol was in the group by mistake; the group is corrected mid-broadcast
    sender.start();
    sender.poke();
    await sender.idle(10_000);
    expect(gateway.take().map((s) => s.to).sort()).toEqual([A, B]);
  });

  it('no reminder, no deadline listing and no yearly renewal for someone who left', async () => {
    const version = (await db.query<{ version_id: string }>("SELECT version_id FROM aup_versions WHERE tenant_id = $1 AND audience = 'staff'", [TENANT]))[0]!.version_id;
    at(1);
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: A, name: NAMES[A]! }, versionId: version })).kind).toBe('recorded');
    at(2);
    await members([A]); // Bob leaves the school before agreeing
    at(7);
    await scheduler.runOnce();
    sender.poke();
    await sender.idle(10_000);
    expect(gateway.take().map((s) => s.to)).toEqual([]);

    at(21);
    await scheduler.runOnce();
    sender.poke();
    await sender.idle(10_000);
    const report = gateway.take();
    expect(report.map((s) => s.to)).toEqual([OSL]);
    expect(report[0]!.text).not.toContain(B);
    expect(report[0]!.text).not.toContain(C);
    expect(report[0]!.text).not.toContain('Bob Baker');

    at(30);
    await members([]); // Alice leaves too
    at(1 + 366);
    expect((await scheduler.runOnce()).renewals).toBe(0);
    sender.poke();
    await sender.idle(10_000);
    expect(gateway.take()).toEqual([]);
  });
});
