// Someone taken out of an audience before their card went (left the group, a corrected list) has
// their ask skipped by the sender. When they are back, they must be asked: the queue's key
// (version, person, purpose) would otherwise keep the skipped row as "asked" for good.
import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { finishAupSend, listAupSends, replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { askAudienceNewcomers } from '../../src/services/aup-audience';
import { planAupDelivery } from '../../src/jobs/aup-delivery';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { createTestDb, storeKind } from '../support/test-db';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

const TENANT = 'aup-rejoiner-tenant';
const [ALICE, BOB, CAROL] = [personId(1), personId(2), personId(3)];
const member = (id: string, name: string) => ({ personId: id, aadObjectId: id, displayName: name });

describe(`AUP: asking people who left before their card went and came back (${storeKind()})`, () => {
  let db: Db;
  const clock = new Date('2026-12-01T09:00:00Z');
  const now = () => clock;

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
  });
  afterAll(() => db.close());

  /** What the sender decides for each queued ask: plans it, and records a skip as the sender does. */
  async function senderPass(versionId: string): Promise<Record<string, string>> {
    const outcome: Record<string, string> = {};
    for (const row of (await listAupSends(db, TENANT, versionId, 'ask')).filter((r) => r.status === 'queued')) {
      const plan = await planAupDelivery({ db, now, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: 'bot' }, row);
      if (plan.kind === 'skip') await finishAupSend(db, row.sendId, 'skipped', plan.reason);
      outcome[row.personId] = plan.kind === 'skip' ? `skip: ${plan.reason}` : plan.kind;
    }
    return outcome;
  }

  it('re-queues the skipped ask of someone back in the audience, once, and not of someone who agreed meanwhile', async () => {
    await replaceAudienceMembers(db, TENANT, 'staff', [member(ALICE, 'Alice Able'), member(BOB, 'Bob Baker'), member(CAROL, 'Carol Cole')], 'group', clock);
    const { version } = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: personId(999) });
    // Bob and Carol leave before the sender reaches their cards.
    await replaceAudienceMembers(db, TENANT, 'staff', [member(ALICE, 'Alice Able')], 'group', clock);
    expect(await senderPass(version.versionId)).toEqual({ [ALICE]: 'send', [BOB]: 'skip: no longer in the audience', [CAROL]: 'skip: no longer in the audience' });
    // Nobody new, nobody back: nothing to ask.
    expect(await askAudienceNewcomers({ db, now }, { tenantId: TENANT, audience: 'staff' })).toEqual({ version: 1, queued: 0, offline: 0 });

    // Both come back; Carol agreed on paper while away (imported), so only Bob is asked.
    await replaceAudienceMembers(db, TENANT, 'staff', [member(ALICE, 'Alice Able'), member(BOB, 'Bob Baker'), member(CAROL, 'Carol Cole')], 'group', clock);
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: CAROL, name: 'Carol Cole' }, versionId: version.versionId })).kind).toBe('recorded');
    expect(await askAudienceNewcomers({ db, now }, { tenantId: TENANT, audience: 'staff' })).toEqual({ version: 1, queued: 1, offline: 0 });
    const bob = (await listAupSends(db, TENANT, version.versionId, 'ask')).find((r) => r.personId === BOB)!;
    expect(bob).toMatchObject({ status: 'queued', attempts: 0 });
    // (Alice's row is still queued: this pass plans, it does not deliver.) Carol's stays skipped.
    expect(await senderPass(version.versionId)).toEqual({ [ALICE]: 'send', [BOB]: 'send' });
    // Asked again later: nothing more (the row is his one ask for this version).
    expect(await askAudienceNewcomers({ db, now }, { tenantId: TENANT, audience: 'staff' })).toEqual({ version: 1, queued: 0, offline: 0 });
  });
});
