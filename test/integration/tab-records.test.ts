// The Data Protection Officer reads the records' retention in the tab: the periods, what is due for
// deletion, what is kept past its period and why, legal holds, deletions by hand and past purges.
// Read-only, DPO only, and the reading is in the access log.
import { placeLegalHold, releaseLegalHold } from '../../src/services/legal-hold';
import { recordConcernDeletion, recordPurge } from '../../src/store/retention.repo';
import { listTabAccess } from '../../src/store/tab-access-log.repo';
import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { storeKind } from '../support/test-db';

let h: Harness;
let idp: TestIdentityProvider;

async function call(who: { aadObjectId: string; name: string }, path: string) {
  const res = await fetch(`${h.url}/api/tab/${path}`, { headers: { authorization: `Bearer ${await idp.mint(who)}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  idp = await startTestIdentityProvider(SCHOOL.tenantId);
  h = await startHarness({ env: idp.env });
});
afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});

describe(`tab: records' retention (${storeKind()})`, () => {
  it('shows the DPO what is due, what is kept and why, the holds, deletions by hand and purges; nobody else', async () => {
    const due = await reportAndAwaitCard(h, PEOPLE.teacher);
    const open = await reportAndAwaitCard(h, PEOPLE.teacher);
    const held = await reportAndAwaitCard(h, PEOPLE.teacher);
    const age = (c: { concernId: string }, status: string) =>
      h.db.query(`UPDATE concerns SET created_at = now() - interval '26 years', status = $3 WHERE tenant_id = $1 AND concern_id = $2::uuid`, [SCHOOL.tenantId, c.concernId, status]);
    await age(due, 'closed');
    await age(open, 'in-progress');
    await age(held, 'closed');
    const deps = { db: h.db, concerns: h.app.concerns, now: () => new Date() };
    await placeLegalHold(deps, { tenantId: SCHOOL.tenantId, reference: held.reference, reason: 'Police request, case 42', actor: { aadObjectId: PEOPLE.dpo.aadObjectId, name: 'Dee DPO' } });
    await placeLegalHold(deps, { tenantId: SCHOOL.tenantId, reason: 'IICSA instruction', actor: { aadObjectId: PEOPLE.dpo.aadObjectId, name: 'Dee DPO' } });
    await releaseLegalHold(deps, { tenantId: SCHOOL.tenantId, reason: 'Instruction lifted', actor: { aadObjectId: PEOPLE.dpo.aadObjectId, name: 'Dee DPO' } });
    // Tombstone and purge rows as `jigsaw retention --delete/--approve` leave them (their own tests cover those paths).
    await recordConcernDeletion(h.db, { tenantId: SCHOOL.tenantId, reference: 'C-2020-00007', about: 'adult', reason: 'Malicious allegation, LADO advised', deletedBy: 'Dee DPO', deletedAt: new Date('2026-10-01T10:00:00Z'), counts: { concerns: 1 } });
    await recordPurge(h.db, { tenantId: SCHOOL.tenantId, runId: 'run-1', recordKind: 'concern', recordRef: 'C-2000-00001', cutoff: new Date('2001-09-01'), counts: { concerns: 1 }, purgedBy: 'it-admin', purgedAt: new Date('2026-09-01T08:00:00Z') });
    await recordPurge(h.db, { tenantId: SCHOOL.tenantId, runId: 'run-1', recordKind: 'aup-acknowledgements', cutoff: new Date('2020-09-01'), counts: { aup_acknowledgements: 12 }, purgedBy: 'it-admin', purgedAt: new Date('2026-09-01T08:00:00Z') });

    const page = await call(PEOPLE.dpo, 'records');
    expect(page.status).toBe(200);
    const r = page.body;
    expect(r.periods).toEqual({ concernYears: 25, aupYears: 6, auditFindingsDays: 365 });
    expect(r.due.concerns.map((c: { reference: string }) => c.reference)).toEqual([due.reference]);
    expect(r.keptOpen).toEqual([expect.objectContaining({ reference: open.reference, status: 'in-progress' })]);
    expect(r.holds).toEqual([
      expect.objectContaining({ scope: 'school', reason: 'IICSA instruction', placedBy: 'Dee DPO', released: expect.objectContaining({ by: 'Dee DPO', reason: 'Instruction lifted' }) }),
      expect.objectContaining({ scope: 'concern', reference: held.reference, reason: 'Police request, case 42', placedBy: 'Dee DPO' }),
    ]);
    expect(r.holds[1].released).toBeUndefined();
    expect(r.deletions).toEqual([expect.objectContaining({ reference: 'C-2020-00007', about: 'adult', reason: 'Malicious allegation, LADO advised', deletedBy: 'Dee DPO' })]);
    expect(r.purges).toEqual([{ at: '2026-09-01T08:00:00.000Z', by: 'it-admin', concerns: 1, aupAcknowledgements: 12, aupSends: 0, auditFindings: 0 }]);
    // Nothing of a concern's content: references and dates only.
    expect(JSON.stringify(r)).not.toMatch(/narrative|pupil/i);

    const log = await listTabAccess(h.db, SCHOOL.tenantId, { limit: 5 });
    expect(log[0]).toMatchObject({ action: 'records.view', actorAadId: PEOPLE.dpo.aadObjectId, outcome: 'allowed' });
    expect((await call(PEOPLE.dpo, 'me')).body.views).toContain('records');

    for (const who of [PEOPLE.dsl1, PEOPLE.admin, PEOPLE.teacher]) {
      expect(await call(who, 'records')).toMatchObject({ status: 403 });
      expect((await call(who, 'me')).body.views).not.toContain('records');
    }
  });
});
