import type { TurnContext } from 'botbuilder';
import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { replaceAudienceMembers, type AupSend } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { planAupDelivery } from '../../src/jobs/aup-delivery';
import { createAupFeature } from '../../src/bot/features/aup-feature';
import { AUP_VERBS } from '../../src/cards/aup-card';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { cardText } from '../support/card-validation';
import { createTestDb, storeKind } from '../support/test-db';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

const TENANT = 'aup-local-dates-tenant';
const TENANT_ROW = { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' };
const [A, B, ADMIN] = [personId(91), personId(92), personId(99)];

// Between 00:00 and 01:00 BST the UTC date is the day before: cards show the school's day.
describe(`AUP cards show the school's local date (${storeKind()})`, () => {
  let db: Db;
  let clock = new Date('2027-05-31T23:30:00Z'); // 1 June 2027, 00:30 BST
  const now = () => clock;
  let versionId: string;

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, TENANT_ROW);
    await replaceAudienceMembers(db, TENANT, 'staff', [{ personId: A, aadObjectId: A, displayName: 'Alice Able' }, { personId: B, aadObjectId: B, displayName: 'Bob Baker' }], 'group', clock);
    versionId = (await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN })).version.versionId;
  });
  afterAll(() => db.close());

  it("a reminder's deadline: 21 days after a card sent at 00:30 BST on 1 June is 22 June", async () => {
    clock = new Date('2027-06-07T23:30:00Z');
    const row: AupSend = { tenantId: TENANT, sendId: 1, versionId, personId: B, purpose: 'ask/r1', aadObjectId: B, status: 'claimed', attempts: 1, throttledAttempts: 0, nextAttemptAt: clock, createdAt: clock };
    const plan = await planAupDelivery({ db, now, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot' }, row);
    expect(plan.kind).toBe('send');
    expect(cardText(plan.kind === 'send' ? plan.message.card : undefined)).toContain('Please do so by 22 Jun 2027.');
  });

  it('"valid until" on "what have I agreed to?": agreed at 00:30 BST on 1 June, valid until 1 June next year', async () => {
    clock = new Date('2027-05-31T23:30:00Z');
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: A, name: 'Alice Able' }, versionId })).kind).toBe('recorded');
    const feature = createAupFeature({ db, now, rules: DEFAULT_AUP_RULES, logger: silentLogger });
    const status = await feature.handleInvoke!({ tenant: TENANT_ROW, person: { aadObjectId: A, name: 'Alice Able' }, verb: AUP_VERBS.myStatus, data: {}, conversationType: 'personal', conversationId: 'chat' }, { activity: { from: { id: `29:${A}`, aadObjectId: A } } } as unknown as TurnContext);
    expect(cardText(status)).toContain('Agreed on 1 Jun 2027, 00:30 (valid until 1 Jun 2028)');
  });
});
