import { applyOwnerAnswer, prepareOwnerNotifications, remediateFindings, runSharingAuditForReport } from '../../src/jobs/sharing-audit';
import type { Db } from '../../src/store/db';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listOwnerNotifications, listRemediations } from '../../src/store/sharing-remediations.repo';
import { createTestDb, storeKind } from '../support/test-db';
import { anyoneLink, FakeTenant, organisationLink } from './sharing-audit-fakes';

const now = new Date('2026-11-22T06:00:00Z');
const verifiedDomains = ['school.org.uk'];
const actor = { id: 'admin-1', name: 'Ms Admin' };

let db: Db;
let tenantSeq = 0;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

async function setUp() {
  tenantSeq += 1;
  const tenantId = `rem-tenant-${tenantSeq}`;
  await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'Hillside')`, [tenantId]);
  const fake = new FakeTenant().addDrive('d1');
  fake
    .add('d1', { id: 'y6', name: 'Year 6', isFolder: true })
    .add('d1', { id: 'sen', parentId: 'y6', name: 'SEN register.docx' })
    .add('d1', { id: 'ehcp', parentId: 'y6', name: 'EHCP review.docx' })
    .add('d1', { id: 'fsm', name: 'FSM list.docx' })
    .add('d1', { id: 'site', name: 'Site notes SEN.docx' })
    .share('y6', anyoneLink({ id: 'link-y6' }))
    .share('y6', anyoneLink({ id: 'link-y6-second', link: { scope: 'anonymous', type: 'edit' } }))
    .share('fsm', organisationLink({ id: 'link-fsm' }))
    // A permission Graph reports as inherited from something the audit does not hold as a
    // root (a site-level grant): real exposure, but not removable on this item.
    .share('site', organisationLink({ id: 'link-site', inheritedFrom: { id: 'site-library-root' } }));
  const run = () =>
    runSharingAuditForReport({ db, tenantId, mode: 'incremental', verifiedDomains, roster: [], delta: fake, permissions: fake, content: fake, now: () => now });
  const { findings } = await run();
  const idOf = (itemId: string) => findings.find((f) => f.itemId === itemId)!.id;
  const remediate = (target: { findingId: string } | { severity: 'critical' | 'high' | 'medium' | 'low' }, dryRun: boolean) =>
    remediateFindings({ db, tenantId, target, dryRun, actor, verifiedDomains, permissions: fake, remover: fake, now: () => now });
  return { tenantId, fake, findings, idOf, remediate, run };
}

describe(`sharing audit remediation (${storeKind()})`, () => {
  it('dry run: says what it would remove, changes nothing, records who asked', async () => {
    const { tenantId, fake, idOf, remediate } = await setUp();
    const result = await remediate({ findingId: idOf('sen') }, true);
    expect(result.actions.map((a) => [a.itemId, a.permissionId, a.outcome])).toEqual([
      ['y6', 'link-y6', 'would-remove'],
      ['y6', 'link-y6-second', 'would-remove'],
    ]);
    expect(fake.removals).toEqual([]);
    expect(await getFinding(db, tenantId, idOf('sen'))).toMatchObject({ status: 'open' });
    const trail = await listRemediations(db, tenantId, idOf('sen'));
    expect(trail.map((r) => [r.outcome, r.dryRun, r.actor.name, r.createdAt])).toEqual([
      ['would-remove', true, 'Ms Admin', now.toISOString()],
      ['would-remove', true, 'Ms Admin', now.toISOString()],
    ]);
  });

  it('dry run on a file deleted since the audit: says it is gone, and leaves the finding as it was', async () => {
    const { tenantId, fake, idOf, remediate } = await setUp();
    fake.remove('fsm');
    const result = await remediate({ findingId: idOf('fsm') }, true);
    expect(result.actions.map((a) => [a.itemId, a.outcome])).toEqual([['fsm', 'not-found']]);
    expect(fake.removals).toEqual([]);
    expect(await getFinding(db, tenantId, idOf('fsm'))).toMatchObject({ status: 'open', statusBy: null });
    expect((await listRemediations(db, tenantId, idOf('fsm'))).map((r) => [r.outcome, r.dryRun])).toEqual([['not-found', true]]);
  });

  it('removes the links on the sharing root (never on the child), re-checks, and marks what it exposed remediated', async () => {
    const { tenantId, fake, idOf, remediate, run } = await setUp();
    const result = await remediate({ findingId: idOf('sen') }, false);
    expect(fake.removals).toEqual(['y6/link-y6', 'y6/link-y6-second']);
    expect(result.actions.map((a) => [a.outcome, a.stillExposed])).toEqual([
      ['removed', false],
      ['removed', false],
    ]);
    for (const itemId of ['y6', 'sen', 'ehcp']) {
      expect(await getFinding(db, tenantId, idOf(itemId))).toMatchObject({ status: 'remediated', statusBy: { id: 'admin-1', name: 'Ms Admin' } });
    }
    expect((await listRemediations(db, tenantId, idOf('sen'))).map((r) => [r.outcome, r.stillExposed, r.scope])).toEqual([
      ['removed', false, 'anonymous'],
      ['removed', false, 'anonymous'],
    ]);
    // The next audit agrees: nothing under Year 6 is exposed, and the findings stay remediated.
    const after = await run();
    expect(after.findings.map((f) => f.itemId).sort()).toEqual(['fsm', 'site']);
    expect(await getFinding(db, tenantId, idOf('y6'))).toMatchObject({ status: 'remediated' });
  });

  it('refuses an inherited permission and never asks Graph to delete it', async () => {
    const { tenantId, fake, idOf, remediate } = await setUp();
    const result = await remediate({ findingId: idOf('site') }, false);
    expect(result.actions.map((a) => [a.permissionId, a.outcome])).toEqual([['link-site', 'refused-inherited']]);
    expect(result.actions[0].detail).toMatch(/site-library-root/);
    expect(fake.removals).toEqual([]);
    expect(await getFinding(db, tenantId, idOf('site'))).toMatchObject({ status: 'open' });
  });

  it('acts on every open finding of a severity, once per sharing root', async () => {
    const { fake, remediate } = await setUp();
    const result = await remediate({ severity: 'critical' }, false);
    expect(fake.removals).toEqual(['y6/link-y6', 'y6/link-y6-second']);
    expect(new Set(result.actions.map((a) => a.itemId))).toEqual(new Set(['y6']));
    expect(result.actions[0].findingIds).toHaveLength(3);
  });

  it('records a failed removal and leaves the finding open', async () => {
    const { tenantId, fake, idOf, remediate } = await setUp();
    fake.removePermission = async () => {
      throw new Error('503 serviceUnavailable');
    };
    const result = await remediate({ findingId: idOf('fsm') }, false);
    expect(result.actions.map((a) => [a.outcome, a.stillExposed])).toEqual([['failed', true]]);
    expect(await getFinding(db, tenantId, idOf('fsm'))).toMatchObject({ status: 'open' });
  });

  it('skips unknown and already remediated findings', async () => {
    const { idOf, remediate } = await setUp();
    await remediate({ findingId: idOf('fsm') }, false);
    const again = await remediate({ findingId: idOf('fsm') }, false);
    expect(again).toEqual({ actions: [], skipped: [{ findingId: idOf('fsm'), reason: 'already remediated' }] });
    expect((await remediate({ findingId: 'f-nope' }, false)).skipped).toEqual([{ findingId: 'f-nope', reason: 'no such finding' }]);
  });

  it("an owner's Keep pressed after the link was removed keeps nothing: the finding stays remediated", async () => {
    const { tenantId, fake, idOf, remediate } = await setUp();
    await prepareOwnerNotifications({ db, tenantId, now: () => now, newId: () => 'n-stale' });
    await remediate({ findingId: idOf('fsm') }, false);
    const keep = (who: { id: string; name: string }) =>
      applyOwnerAnswer({ db, tenantId, notificationId: 'n-stale', findingId: idOf('fsm'), answer: 'keep', reason: 'Governors need it', owner: who, verifiedDomains, permissions: fake, remover: fake, now: () => now });
    expect(await keep({ id: 'someone-else', name: 'X' })).toEqual({ status: 'refused', reason: 'not-the-owner' });
    expect(await keep({ id: 'sharer-1', name: 'Sharer' })).toEqual({ status: 'refused', reason: 'no-longer-exposed' });
    expect(await getFinding(db, tenantId, idOf('fsm'))).toMatchObject({ status: 'remediated', statusBy: { id: 'admin-1' } });
    expect(await listOwnerNotifications(db, tenantId, idOf('fsm'))).toMatchObject([{ response: null }]);
  });

  it('notifies each owner once and acts on their answers: keep with a reason, remove the link', async () => {
    const { tenantId, fake, idOf } = await setUp();
    let n = 0;
    const { digests, unattributed } = await prepareOwnerNotifications({ db, tenantId, now: () => now, newId: () => `n-${++n}` });
    expect(unattributed).toBe(0);
    // Every finding here was shared by the same person (the `shared` facet's owner).
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ notificationId: 'n-1', owner: { email: 'sharer@school.org.uk' } });
    expect(digests[0].findings.map((f) => f.itemId).sort()).toEqual(['ehcp', 'fsm', 'sen', 'site', 'y6']);
    const owner = { id: 'sharer-1', name: 'Sharer' };
    const answer = (findingId: string, a: 'keep' | 'remove', reason: string | null, who = owner) =>
      applyOwnerAnswer({ db, tenantId, notificationId: 'n-1', findingId, answer: a, reason, owner: who, verifiedDomains, permissions: fake, remover: fake, now: () => now });

    expect(await answer(idOf('site'), 'keep', '  ')).toEqual({ status: 'refused', reason: 'reason-required' });
    expect(await answer(idOf('site'), 'keep', 'Governors need it', { id: 'someone-else', name: 'X' })).toEqual({ status: 'refused', reason: 'not-the-owner' });
    expect(await answer(idOf('site'), 'keep', 'Governors need it')).toEqual({ status: 'kept' });
    expect(await getFinding(db, tenantId, idOf('site'))).toMatchObject({ status: 'accepted', statusReason: 'Governors need it', statusBy: { id: 'sharer-1' } });

    const removed = await answer(idOf('fsm'), 'remove', null);
    expect(removed).toMatchObject({ status: 'remediation', result: { actions: [{ outcome: 'removed', stillExposed: false }] } });
    expect(fake.removals).toEqual(['fsm/link-fsm']);
    expect(await getFinding(db, tenantId, idOf('fsm'))).toMatchObject({ status: 'remediated', statusBy: { id: 'sharer-1' } });
    expect(await listOwnerNotifications(db, tenantId, idOf('fsm'))).toMatchObject([{ response: 'remove', respondedAt: now.toISOString() }]);
  });
});
