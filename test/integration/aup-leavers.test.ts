import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { listAupSends, replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { buildAupRegister, governorAupCounts, registerToCsv } from '../../src/services/aup-register';
import { AupScheduler } from '../../src/jobs/aup-scheduler';
import { parseCsv } from '../../src/domain/aup/csv';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { createTestDb, storeKind } from '../support/test-db';
import { personId } from '../support/aup-fixtures';

const TENANT = 'aup-leavers-tenant';
const GOVERNORS = [1, 2, 3, 4, 5].map((n) => ({ personId: personId(110 + n), aadObjectId: personId(110 + n), displayName: `Governor ${n}` }));
const LEAVER = GOVERNORS[4]!;

describe(`people who left an audience keep their history but are not counted (${storeKind()})`, () => {
  let db: Db;
  let clock = new Date('2026-12-01T09:00:00Z');
  const now = () => clock;
  const deps = () => ({ db, now, rules: DEFAULT_AUP_RULES });
  let versionId: string;

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
    await replaceAudienceMembers(db, TENANT, 'governors', GOVERNORS, 'group', clock);
    versionId = (await publishAupVersion({ db, now }, { tenantId: TENANT, draft: { audience: 'governors', title: 'Governor AUP', effectiveOn: '2026-12-01', body: 'I will keep school information confidential.' }, publishedBy: personId(999) })).version.versionId;
    for (const g of GOVERNORS) await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: g.aadObjectId, name: g.displayName }, versionId });
    // A governor steps down: the next reading of the group no longer has them.
    clock = new Date('2027-03-01T09:00:00Z');
    await replaceAudienceMembers(db, TENANT, 'governors', GOVERNORS.slice(0, 4), 'group', clock);
  });
  afterAll(() => db.close());

  it('the leaver is on the register as "left", with their history, and out of the counts', async () => {
    const leaver = (await buildAupRegister(deps(), TENANT)).find((e) => e.personId === LEAVER.personId);
    expect(leaver).toMatchObject({ status: 'left', displayName: 'Governor 5', lastAck: { versionNumber: 1, method: 'teams' } });
    expect(leaver?.history.map((h) => h.versionNumber)).toEqual([1]);
    expect(await governorAupCounts(deps(), TENANT)).toEqual([{ audience: 'governors', versionNumber: 1, current: 4, expired: 0, outstanding: 0, neverAsked: 0, total: 4 }]);
    const csv = parseCsv(registerToCsv(await buildAupRegister(deps(), TENANT), 'Europe/London'));
    expect(csv.find((r) => r[1] === LEAVER.personId)?.slice(3, 4)).toEqual(['left']);
  });

  it('a year on, the leaver is neither expired nor counted, and gets no renewal', async () => {
    clock = new Date('2027-12-02T09:00:00Z');
    const register = await buildAupRegister(deps(), TENANT);
    expect(register.filter((e) => e.status === 'expired').map((e) => e.displayName)).toEqual(['Governor 1', 'Governor 2', 'Governor 3', 'Governor 4']);
    expect(register.find((e) => e.personId === LEAVER.personId)?.status).toBe('left');
    expect(await governorAupCounts(deps(), TENANT)).toEqual([{ audience: 'governors', versionNumber: 1, current: 0, expired: 4, outstanding: 0, neverAsked: 0, total: 4 }]);
    expect((await new AupScheduler({ db, logger: silentLogger, rules: DEFAULT_AUP_RULES, now }, 60_000).runOnce()).renewals).toBe(4);
    expect((await listAupSends(db, TENANT, versionId)).filter((s) => s.personId === LEAVER.personId).map((s) => s.purpose)).toEqual(['ask']);
  });
});
