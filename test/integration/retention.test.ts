import { REPORT_VERBS } from '../../src/cards/report-card';
import { applyRetention, describeRetentionPlan, planRetention } from '../../src/jobs/retention';
import { listPurges, setRetentionPolicy } from '../../src/store/retention.repo';
import { randomUUID } from 'node:crypto';
import { contentHash } from '../../src/domain/aup/content-hash';
import { insertAcknowledgement, insertAupVersion } from '../../src/store/aup.repo';
import { STAFF_DRAFT } from '../support/aup-fixtures';
import { cardText } from '../support/card-validation';
import { eventually, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

const DEFAULTS = { concernYears: 25, aupYears: 6, auditFindingsDays: 365 };

describe(`retention (${storeKind()})`, () => {
  let h: Harness;
  const refs: Record<string, { reference: string; concernId: string }> = {};
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false } });
    for (const [i, name] of ['oldClosed', 'oldOpen', 'recentClosed'].entries()) {
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
        category: 'online-bullying', about: 'pupil', pupils: `Retention Pupil ${name}`, whatHappened: `Retention narrative for ${name}.`,
        occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId: `00000000-0000-4000-8000-00000000r00${i}`.replace('r', '0'),
      });
      const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0];
      const [row] = await h.db.query<{ concern_id: string }>('SELECT concern_id::text AS concern_id FROM concerns WHERE reference = $1', [reference]);
      refs[name] = { reference, concernId: row.concern_id };
    }
    await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 5000, 'outbox drained');
    // Age two of them past 25 years (test data set-up, not a product path).
    await h.db.query("UPDATE concerns SET created_at = now() - interval '26 years' WHERE concern_id = ANY($1::uuid[])", [[refs.oldClosed.concernId, refs.oldOpen.concernId]]);
    await h.db.query("UPDATE concerns SET status = 'closed' WHERE concern_id = ANY($1::uuid[])", [[refs.oldClosed.concernId, refs.recentClosed.concernId]]);
  });
  afterAll(() => h.stop());

  it('plans first (dry run): only the closed concern past its period; the open one is held', async () => {
    const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
    const [t] = plan.tenants;
    expect(t.concerns.map((c) => c.reference)).toEqual([refs.oldClosed.reference]);
    expect(t.heldOpenConcerns.map((c) => c.reference)).toEqual([refs.oldOpen.reference]);
    const report = describeRetentionPlan(plan);
    expect(report).toContain(refs.oldClosed.reference);
    expect(report).not.toContain('Retention Pupil');
    // Planning changed nothing.
    expect(await h.db.query('SELECT 1 FROM concerns WHERE concern_id = $1::uuid', [refs.oldClosed.concernId])).toHaveLength(1);
  });

  it('the chronology stays append-only outside a purge', async () => {
    await expect(h.db.query('DELETE FROM concern_events WHERE concern_id = $1::uuid', [refs.oldClosed.concernId])).rejects.toThrow(/append-only/);
    await expect(h.db.transaction(async (tx) => tx.query("UPDATE concern_events SET event_type = 'x' WHERE concern_id = $1::uuid", [refs.oldClosed.concernId]))).rejects.toThrow(/append-only/);
  });

  it('purges the concern with its chronology, pupils and key, and records references and counts only', async () => {
    const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
    const result = await applyRetention(h.db, plan, { purgedBy: 'test', now: new Date() });
    expect(result.purged[0]).toMatchObject({ tenantId: SCHOOL.tenantId, concerns: 1 });
    for (const table of ['concerns', 'concern_events', 'concern_pupils', 'concern_keys']) {
      expect({ table, rows: await h.db.query(`SELECT 1 FROM ${table} WHERE concern_id = $1::uuid`, [refs.oldClosed.concernId]) }).toEqual({ table, rows: [] });
    }
    expect(await h.db.query("SELECT 1 FROM outbox WHERE payload->>'concernId' = $1", [refs.oldClosed.concernId])).toEqual([]);
    // The others are untouched.
    expect(await h.db.query('SELECT reference FROM concerns ORDER BY reference')).toEqual(expect.arrayContaining([{ reference: refs.oldOpen.reference }, { reference: refs.recentClosed.reference }]));
    const purges = await listPurges(h.db, SCHOOL.tenantId);
    expect(purges).toHaveLength(1);
    expect(purges[0]).toMatchObject({ recordKind: 'concern', recordRef: refs.oldClosed.reference, purgedBy: 'test' });
    expect(purges[0].counts).toMatchObject({ concerns: 1, concern_events: 1, concern_pupils: 1, concern_keys: 1 });
    expect(JSON.stringify(purges)).not.toContain('Retention');
    // The purge exception ended with its transaction.
    await expect(h.db.query('DELETE FROM concern_events WHERE concern_id = $1::uuid', [refs.oldOpen.concernId])).rejects.toThrow(/append-only/);
  });

  it('never purges a concern about an adult on the pupils\' period: it is held for the DSL or DPO (KCSIE keeps it until pension age or 10 years)', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
      category: 'concern-about-adult', about: 'adult', pupils: '', adultName: 'Mr R. Etention, caretaker', whatHappened: 'An allegation about a member of staff, long ago.',
      occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId: randomUUID(),
    });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0];
    await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 5000, 'outbox drained');
    // Test set-up: 26 years old and closed, past the pupils' 25 years; and a school's period of 11 years.
    await h.db.query("UPDATE concerns SET created_at = now() - interval '26 years', status = 'closed' WHERE reference = $1", [reference]);
    await setRetentionPolicy(h.db, SCHOOL.tenantId, { concernYears: 11 }, 'test');
    try {
      const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
      expect(plan.tenants[0].concerns.map((c) => c.reference)).not.toContain(reference);
      expect(plan.tenants[0].heldAdultConcerns.map((c) => c.reference)).toEqual([reference]);
      expect(describeRetentionPlan(plan)).toContain(`held, concerns about adults (KCSIE: until the person's normal pension age or 10 years, whichever is longer; for the DSL or DPO to decide): ${reference}`);
      await applyRetention(h.db, plan, { purgedBy: 'test', now: new Date() });
      expect(await h.db.query('SELECT 1 FROM concerns WHERE reference = $1', [reference])).toHaveLength(1);
    } finally {
      await setRetentionPolicy(h.db, SCHOOL.tenantId, { concernYears: 25 }, 'test');
    }
  });

  it('honours a tenant\'s own period', async () => {
    await setRetentionPolicy(h.db, SCHOOL.tenantId, { concernYears: 30 }, 'test');
    const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
    expect(plan.tenants[0].periods).toEqual({ concernYears: 30, aupYears: 6, auditFindingsDays: 365 });
    expect(plan.tenants[0].heldOpenConcerns).toEqual([]);
    expect(plan.tenants[0].aupAcknowledgements).toBe(0);
    expect(plan.tenants[0].auditFindings).toEqual([]);
  });

  it('purges AUP acknowledgements older than the AUP period, despite their append-only trigger, and keeps newer ones', async () => {
    const versionId = randomUUID();
    await insertAupVersion(h.db, { tenantId: SCHOOL.tenantId, versionId, ...STAFF_DRAFT, contentHash: contentHash(STAFF_DRAFT), publishedBy: PEOPLE.admin.aadObjectId, publishedAt: new Date() } as never);
    const ack = (personId: string, at: Date) =>
      insertAcknowledgement(h.db, { tenantId: SCHOOL.tenantId, versionId, personId, displayName: `Person ${personId.slice(0, 4)}`, acknowledgedAt: at, contentHash: contentHash(STAFF_DRAFT), method: 'paper', recordedBy: 'test' } as never);
    const sevenYearsAgo = new Date(Date.now() - 7 * 365.25 * 86_400_000);
    await ack('11111111-aaaa-4000-8000-000000000001', sevenYearsAgo);
    await ack('22222222-aaaa-4000-8000-000000000002', new Date());
    await expect(h.db.query('DELETE FROM aup_acknowledgements')).rejects.toThrow(/append-only/);

    const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
    expect(plan.tenants[0].aupAcknowledgements).toBe(1);
    const result = await applyRetention(h.db, plan, { purgedBy: 'test', now: new Date() });
    expect(result.purged[0]).toMatchObject({ aupAcknowledgements: 1 });
    expect(await h.db.query('SELECT person_id FROM aup_acknowledgements')).toEqual([{ person_id: '22222222-aaaa-4000-8000-000000000002' }]);
    expect((await listPurges(h.db, SCHOOL.tenantId)).find((p) => p.recordKind === 'aup-acknowledgements')?.counts).toEqual({ aup_acknowledgements: 1 });
    // The AUP versions themselves stay immutable.
    await expect(h.db.query('DELETE FROM aup_versions')).rejects.toThrow(/append-only/);
  });
});
