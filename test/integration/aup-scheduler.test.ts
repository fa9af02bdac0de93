import { eventually } from '../support/harness';
import type { Db } from '../../src/store/db';
import { assignRole, upsertTenant } from '../../src/store/tenant.repo';
import { replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { AupSender } from '../../src/jobs/aup-sender';
import { AupScheduler } from '../../src/jobs/aup-scheduler';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { adaptiveCardProblems } from '../support/card-validation';
import { createTestDb, storeKind } from '../support/test-db';
import { RecordingGateway } from '../support/recording-gateway';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

const TENANT = 'aup-scheduler-tenant';
const [A, B, C, OSL, ADMIN] = [personId(1), personId(2), personId(3), personId(50), personId(60)];
const DAY = 86_400_000;

describe(`AUP reminders, deadline report and renewal (${storeKind()})`, () => {
  let db: Db;
  const start = new Date('2026-12-01T08:00:00Z');
  let clock = start;
  const now = () => clock;
  const at = (days: number) => (clock = new Date(start.getTime() + days * DAY));
  const gateway = new RecordingGateway(ADMIN);
  let sender: AupSender;
  let scheduler: AupScheduler;

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
    await assignRole(db, TENANT, 'online_safety_lead', OSL);
    await replaceAudienceMembers(db, TENANT, 'staff', [A, B, C].map((id, i) => ({ personId: id, aadObjectId: id, displayName: ['Alice Able', 'Bob Baker', 'Carol Cole'][i]! })), 'group', clock);
    sender = new AupSender(
      { db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now },
      { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 2, maxAttempts: 5, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 100 },
    );
    scheduler = new AupScheduler({ db, logger: silentLogger, rules: DEFAULT_AUP_RULES, now }, 60_000);
    sender.start();
  });
  afterAll(async () => {
    await sender.stop();
    await db.close();
  });

  const ack = (id: string, versionId: string) => acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: id, name: id }, versionId });

  it('reminds after 7 and 14 days, only the unanswered, then tells the online-safety lead once; renews after 12 months', async () => {
    const { version } = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN });
    sender.poke();
    await sender.idle(10_000);
    expect(gateway.take().map((s) => s.to).sort()).toEqual([A, B, C]);

    at(1);
    expect((await ack(A, version.versionId)).kind).toBe('recorded');
    // The card's refresh is queued by the acknowledgement and sent by the sender: wait for it.
    await eventually(() => gateway.updated.some((u) => u.text.includes('Acknowledged on')), 10_000, 'the acknowledged card');

    at(6.9);
    expect(await scheduler.runOnce()).toEqual({ reminders: 0, renewals: 0, deadlineReports: 0 });

    at(7);
    expect((await scheduler.runOnce()).reminders).toBe(2);
    await sender.idle(10_000);
    const firstReminders = gateway.take();
    expect(firstReminders.map((s) => s.to).sort()).toEqual([B, C]);
    expect(firstReminders[0]!.text).toContain('Reminder 1: please read and agree');
    expect(firstReminders[0]!.text).toContain('Please do so by 22 Dec 2026');
    expect(adaptiveCardProblems(firstReminders[0]!.card)).toEqual([]);
    // Running again the same day, or twice at once, queues nothing more.
    expect((await Promise.all([scheduler.runOnce(), scheduler.runOnce()])).map((r) => r.reminders)).toEqual([0, 0]);

    at(10);
    expect((await ack(B, version.versionId)).kind).toBe('recorded');
    at(14);
    expect((await scheduler.runOnce()).reminders).toBe(1);
    await sender.idle(10_000);
    const second = gateway.take();
    expect(second.map((s) => [s.to, /Reminder 2/.test(s.text)])).toEqual([[C, true]]);

    at(20.9);
    expect((await scheduler.runOnce()).deadlineReports).toBe(0);
    at(21);
    expect((await scheduler.runOnce()).deadlineReports).toBe(1);
    await sender.idle(10_000);
    const report = gateway.take();
    expect(report.map((s) => s.to)).toEqual([OSL]);
    expect(report[0]!.text).toContain('Carol Cole');
    expect(report[0]!.text).not.toMatch(/Alice Able|Bob Baker/);
    expect(report[0]!.text).toContain('1 of 3 people have not agreed');
    expect(adaptiveCardProblems(report[0]!.card)).toEqual([]);
    at(22);
    expect(await scheduler.runOnce()).toEqual({ reminders: 0, renewals: 0, deadlineReports: 0 });

    // A year after Alice agreed (day 1), her agreement lapses and she is asked again; Bob's (day 10) not yet.
    at(1 + 365);
    expect((await scheduler.runOnce()).renewals).toBe(1);
    await sender.idle(10_000);
    const renewal = gateway.take();
    expect(renewal.map((s) => s.to)).toEqual([A]);
    expect(renewal[0]!.text).toContain('Yearly renewal');
    expect((await ack(A, version.versionId)).kind).toBe('recorded');
    // Reminders for a renewal follow the same schedule, and stop once she agrees.
    at(10 + 365);
    const later = await scheduler.runOnce();
    expect(later.renewals).toBe(1); // Bob's turn (day 10 + 365)
    expect(later.reminders).toBe(0);
  });
});
