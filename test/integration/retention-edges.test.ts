import { REPORT_VERBS } from '../../src/cards/report-card';
import { applyRetention, planRetention } from '../../src/jobs/retention';
import { PATTERN_ALERT_KIND } from '../../src/services/pattern-alerts';
import { pupilKeyHash } from '../../src/domain/people/pupil-key';
import { insertTransfer } from '../../src/store/tab-transfers.repo';
import { writeTabAccess } from '../../src/store/tab-access-log.repo';
import { cardText } from '../support/card-validation';
import { eventually, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

const DEFAULTS = { concernYears: 25, aupYears: 6, auditFindingsDays: 365 };

/**
 * Retention edge cases: what a purge leaves behind about a pupil, and a concern that changes
 * between the plan (the dry-run report) and the purge.
 */
describe(`retention edges (${storeKind()})`, () => {
  let h: Harness;
  let n = 0;
  async function report(pupils: string): Promise<{ reference: string; concernId: string }> {
    n++;
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
      category: 'online-bullying', about: 'pupil', pupils, whatHappened: `Edge narrative ${n}.`,
      occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId: `00000000-0000-4000-8000-0000000e${String(n).padStart(4, '0')}`,
    });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0];
    const [row] = await h.db.query<{ concern_id: string }>('SELECT concern_id::text AS concern_id FROM concerns WHERE reference = $1', [reference]);
    return { reference, concernId: row.concern_id };
  }
  // Test data set-up, not a product path: a concern recorded 26 years ago and closed.
  async function ageAndClose(concernId: string): Promise<void> {
    await h.db.query("UPDATE concerns SET created_at = now() - interval '26 years', status = 'closed' WHERE concern_id = $1::uuid", [concernId]);
  }

  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false }, env: { SCHEDULER_POLL_MS: '40', PATTERN_THRESHOLD: '3', PATTERN_WINDOW_DAYS: '30' } });
  });
  afterAll(() => h.stop());

  it('a purge that removes the last concern naming a pupil leaves no trace of the name: file transfers deleted, access-log entries kept without it', async () => {
    const gone = await report('Zebedee Quartermaine');
    const kept = await report('Ottoline Featherstonehaugh');
    await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 5000, 'outbox drained');
    const at = new Date();
    // What the tab writes when a DSL views the pupil's chronology and transfers the file (tab-transfers.ts).
    for (const [c, key] of [[gone, 'name:quartermaine zebedee'], [kept, 'name:featherstonehaugh ottoline']] as const) {
      await insertTransfer(h.db, { tenantId: SCHOOL.tenantId, transferId: crypto.randomUUID(), pupilKey: key, destinationSchool: 'Hilltop Academy', concernCount: 1, exportedBy: PEOPLE.dsl1.aadObjectId, exportedByName: PEOPLE.dsl1.name, at });
      await writeTabAccess(h.db, { tenantId: SCHOOL.tenantId, actorAadId: PEOPLE.dsl1.aadObjectId, actorName: PEOPLE.dsl1.name, action: 'pupil.chronology.view', concernId: c.concernId, reference: c.reference, pupilKey: key, outcome: 'allowed', at });
    }
    await ageAndClose(gone.concernId);

    const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
    expect(plan.tenants[0].concerns.map((c) => c.reference)).toEqual([gone.reference]);
    await applyRetention(h.db, plan, { purgedBy: 'test', now: new Date() });

    expect(await h.db.query("SELECT 1 FROM pupil_file_transfers WHERE pupil_key = 'name:quartermaine zebedee'")).toEqual([]);
    expect(await h.db.query("SELECT 1 FROM tab_access_log WHERE pupil_key = 'name:quartermaine zebedee'")).toEqual([]);
    // The access itself stays on record (who, what, when), by reference.
    expect(await h.db.query("SELECT reference FROM tab_access_log WHERE action = 'pupil.chronology.view' AND concern_id = $1::uuid", [gone.concernId])).toEqual([{ reference: gone.reference }]);
    // A pupil whose concerns remain keeps their transfer record and log entries.
    expect(await h.db.query("SELECT destination_school FROM pupil_file_transfers WHERE pupil_key = 'name:featherstonehaugh ottoline'")).toEqual([{ destination_school: 'Hilltop Academy' }]);
    expect(await h.db.query("SELECT 1 FROM tab_access_log WHERE pupil_key = 'name:featherstonehaugh ottoline'")).toHaveLength(1);
    const [purge] = await h.db.query<{ counts: Record<string, number> }>('SELECT counts FROM retention_purges WHERE record_ref = $1', [gone.reference]);
    expect(JSON.stringify(purge)).not.toContain('quartermaine');
  });

  it("a pupil's pattern alert leaves no trace once their concerns are purged: its outbox delivery (the pupil's hashed key, the references) goes too", async () => {
    const cs = [await report('Perpetua Patternwell'), await report('Perpetua Patternwell'), await report('Perpetua Patternwell')];
    const other = await report('Unrelated Pupil');
    const hash = pupilKeyHash(SCHOOL.tenantId, 'name:patternwell perpetua');
    const alerts = () => h.db.query<{ idempotency_key: string }>('SELECT idempotency_key FROM outbox WHERE kind = $1 AND idempotency_key LIKE $2', [PATTERN_ALERT_KIND, `%${hash.slice(0, 32)}%`]);
    await eventually(async () => (await alerts()).length === 1, 5000, 'pattern alert raised');
    await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 5000, 'outbox drained');
    for (const c of cs) await ageAndClose(c.concernId);

    const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
    expect(plan.tenants[0].concerns.map((c) => c.reference)).toEqual(cs.map((c) => c.reference));
    await applyRetention(h.db, plan, { purgedBy: 'test', now: new Date() });

    expect(await alerts()).toEqual([]);
    expect(await h.db.query('SELECT 1 FROM pattern_alerts WHERE pupil_hash = $1', [hash])).toEqual([]);
    const left = await h.db.query<{ payload: unknown }>('SELECT payload FROM outbox');
    for (const c of cs) expect(JSON.stringify(left)).not.toContain(c.concernId);
    expect(JSON.stringify(left)).toContain(other.concernId);
  });

  it('a concern reopened after the plan was made is not purged with it', async () => {
    const c = await report('Reopened Pupil');
    await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 5000, 'outbox drained');
    await ageAndClose(c.concernId);
    const plan = await planRetention(h.db, DEFAULTS, new Date(), { tenantId: SCHOOL.tenantId });
    expect(plan.tenants[0].concerns.map((x) => x.reference)).toEqual([c.reference]);
    // Between the dry-run report and the purge, a DSL reopens it (the triage 'reopen' sets the status back).
    await h.db.query("UPDATE concerns SET status = 'in-progress' WHERE concern_id = $1::uuid", [c.concernId]);

    const result = await applyRetention(h.db, plan, { purgedBy: 'test', now: new Date() });
    expect(result.purged[0].concerns).toBe(0);
    expect(await h.db.query('SELECT status FROM concerns WHERE concern_id = $1::uuid', [c.concernId])).toEqual([{ status: 'in-progress' }]);
    expect(await h.db.query('SELECT count(*)::int AS n FROM concern_events WHERE concern_id = $1::uuid', [c.concernId])).toEqual([{ n: 1 }]);
    expect(await h.db.query('SELECT count(*)::int AS n FROM concern_pupils WHERE concern_id = $1::uuid', [c.concernId])).toEqual([{ n: 1 }]);
    expect(await h.db.query('SELECT 1 FROM retention_purges WHERE record_ref = $1', [c.reference])).toEqual([]);
  });
});
