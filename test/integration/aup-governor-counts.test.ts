import type { Db } from '../../src/store/db';
import type { TabConcernRepository } from '../../src/store/tab-concerns.repo';
import { upsertTenant } from '../../src/store/tenant.repo';
import { replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { buildGovernorReport } from '../../src/services/tab-reports';
import { createTestDb, storeKind } from '../support/test-db';
import { personId } from '../support/aup-fixtures';

const TENANT = 'aup-governor-counts-tenant';
const GOVERNORS = [1, 2, 3, 4, 5].map((n) => ({ personId: personId(60 + n), aadObjectId: personId(60 + n), displayName: `Governor ${n}` }));
const noConcerns = { listConcernFacts: async () => [], listClosingOutcomes: async () => [] } as unknown as TabConcernRepository;

describe(`governors' report: AUP counts are suppressed like concern counts (${storeKind()})`, () => {
  let db: Db;
  const clock = new Date('2026-12-01T09:00:00Z');
  const now = () => clock;
  const report = () => buildGovernorReport({ db, tabConcerns: noConcerns, now, aupValidityMonths: 12, minCount: 3 }, TENANT);

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
    await replaceAudienceMembers(db, TENANT, 'governors', GOVERNORS, 'group', clock);
  });
  afterAll(() => db.close());

  it('five governors, one has not agreed: "1 waiting" is never shown, nor the 4 that would give it away', async () => {
    const { version } = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: { audience: 'governors', title: 'Governor AUP', effectiveOn: '2026-12-01', body: 'I will keep school information confidential.' }, publishedBy: personId(999) });
    for (const g of GOVERNORS.slice(0, 4)) {
      expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: g.aadObjectId, name: g.displayName }, versionId: version.versionId })).kind).toBe('recorded');
    }
    const [governors] = (await report()).aup;
    expect(governors).toEqual({ audience: 'governors', audienceTitle: 'Governors', versionNumber: 1, current: null, expired: 0, outstanding: null, neverAsked: 0, total: 5 });
  });
});
