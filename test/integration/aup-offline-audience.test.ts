import type { TurnContext } from 'botbuilder';
import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { listAupSends, replaceAudienceMembers, type AupSend } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { importAupAcknowledgements } from '../../src/services/aup-import';
import { AupScheduler } from '../../src/jobs/aup-scheduler';
import { planAupDelivery } from '../../src/jobs/aup-delivery';
import { createAupFeature } from '../../src/bot/features/aup-feature';
import { AUP_VERBS } from '../../src/cards/aup-card';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { adaptiveCardProblems, cardText, findActions } from '../support/card-validation';
import { createTestDb, storeKind } from '../support/test-db';
import { personId } from '../support/aup-fixtures';

const TENANT = 'aup-offline-tenant';
const TENANT_ROW = { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' };
const PUPIL = personId(70); // a KS1 pupil with an Entra account, in the KS1 group
const ADMIN = personId(999);
const KS1_DRAFT = { audience: 'pupils-ks1' as const, title: 'Keeping safe: stop, think, before you click!', effectiveOn: '2026-12-01', body: 'I will ask a grown-up before I use the internet.' };

describe(`offline audiences (KS1 pupils, parents) never agree in Teams (${storeKind()})`, () => {
  let db: Db;
  let clock = new Date('2026-12-01T09:00:00Z');
  const now = () => clock;
  const acks = async () => (await db.query('SELECT 1 FROM aup_acknowledgements WHERE tenant_id = $1 AND person_id = $2', [TENANT, PUPIL])).length;
  const feature = () => createAupFeature({ db, now, rules: DEFAULT_AUP_RULES, logger: silentLogger });
  const invoke = (verb: string, data: Record<string, unknown>) =>
    feature().handleInvoke!({ tenant: TENANT_ROW, person: { aadObjectId: PUPIL, name: 'Pip Pupil' }, verb, data, conversationType: 'personal', conversationId: 'chat' }, { activity: { from: { id: `29:${PUPIL}`, aadObjectId: PUPIL } } } as unknown as TurnContext);
  let versionId: string;

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, TENANT_ROW);
    await replaceAudienceMembers(db, TENANT, 'pupils-ks1', [{ personId: PUPIL, aadObjectId: PUPIL, displayName: 'Pip Pupil' }], 'group', clock);
    const published = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: KS1_DRAFT, publishedBy: ADMIN });
    expect(published).toMatchObject({ queued: 0, offline: 1 });
    versionId = published.version.versionId;
    const imported = await importAupAcknowledgements({ db, now, timeZone: 'Europe/London' }, { tenantId: TENANT, csv: `person_id,name,audience,version,acknowledged_on,method,signed_by\n${PUPIL},Pip Pupil,pupils-ks1,1,2026-12-01,paper,Pat Parent`, importedBy: ADMIN });
    expect(imported.problems).toEqual([]);
  });
  afterAll(() => db.close());

  it('a KS1 pupil pressing "I agree" records nothing and is told their parent or carer signs on paper', async () => {
    clock = new Date('2027-12-05T09:00:00Z'); // the paper signature has lapsed
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: PUPIL, name: 'Pip Pupil' }, versionId })).kind).toBe('on-paper');
    const answer = await invoke(AUP_VERBS.agree, { versionId });
    expect(adaptiveCardProblems(answer)).toEqual([]);
    expect(cardText(answer)).toContain('Your parent or carer signs this on paper');
    expect(await acks()).toBe(1); // only the paper one
  });

  it('"what have I agreed to?" offers no "Read and agree", and the policy card has no agree button', async () => {
    const status = await invoke(AUP_VERBS.myStatus, {});
    expect(adaptiveCardProblems(status)).toEqual([]);
    expect(cardText(status)).toContain('Your parent or carer signs this on paper');
    expect(findActions(status).filter((a) => a.verb === AUP_VERBS.refresh || a.verb === AUP_VERBS.agree)).toEqual([]);
    const policy = await invoke(AUP_VERBS.refresh, { versionId });
    expect(adaptiveCardProblems(policy)).toEqual([]);
    expect(cardText(policy)).toContain('I will ask a grown-up');
    expect(findActions(policy).map((a) => a.verb)).not.toContain(AUP_VERBS.agree);
    expect(JSON.stringify(policy)).not.toContain(AUP_VERBS.agree);
  });

  it('no yearly renewal card, and a card already queued for them is not sent', async () => {
    const run = await new AupScheduler({ db, logger: silentLogger, rules: DEFAULT_AUP_RULES, now }, 60_000).runOnce();
    expect(run.renewals).toBe(0);
    expect((await listAupSends(db, TENANT, versionId)).map((s) => [s.purpose, s.status])).toEqual([['ask', 'skipped']]);
    // A renewal queued before this rule (or by hand) is skipped by the sender.
    const row: AupSend = { tenantId: TENANT, sendId: 1, versionId, personId: PUPIL, purpose: 'renew:2027-12-01', aadObjectId: PUPIL, status: 'claimed', attempts: 1, throttledAttempts: 0, nextAttemptAt: clock, createdAt: clock };
    const plan = await planAupDelivery({ db, now, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot' }, row);
    expect(plan).toEqual({ kind: 'skip', reason: 'signed on paper (offline audience)' });
    expect(await planAupDelivery({ db, now, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot' }, { ...row, purpose: 'renew:2027-12-01/r1' })).toEqual(plan);
  });
});
