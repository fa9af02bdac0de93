import { PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb } from '../support/test-db';
import type { Db } from '../../src/store/db';
import { assignRole, upsertTenant } from '../../src/store/tenant.repo';
import { assignRoleInTab, removeRoleInTab } from '../../src/store/role-changes.repo';

// Role holders named in the deployment settings are applied at every start. What that changes
// (a headteacher replaced, a DPO no longer named) is a role change like one in the tab, and is
// audited in role_changes: who held what, since when, and that configuration made the change.
const changes = async (db: Db) =>
  (await db.query<{ role: string; aad_object_id: string; change: string; by_aad_id: string; by_name: string | null }>(
    'SELECT role, aad_object_id, change, by_aad_id, by_name FROM role_changes WHERE tenant_id = $1 ORDER BY change_id',
    [SCHOOL.tenantId],
  )).map((r) => `${r.change} ${r.role} ${r.aad_object_id} by ${r.by_aad_id} (${r.by_name})`);

describe('role changes made by the deployment settings', () => {
  it('are recorded at start, once, with configuration as who made them', async () => {
    const db = await createTestDb();
    const by = 'by configuration (the deployment settings)';
    try {
      const first = await startHarness({ db, registerChannel: false, connector: { rateLimits: false }, jigsaw: { runWorker: false } });
      await first.stop();
      expect((await changes(db)).sort()).toEqual(
        [
          `assigned admin ${PEOPLE.admin.aadObjectId} ${by}`,
          `assigned chair ${PEOPLE.chair.aadObjectId} ${by}`,
          `assigned dpo ${PEOPLE.dpo.aadObjectId} ${by}`,
          `assigned headteacher ${PEOPLE.head.aadObjectId} ${by}`,
        ].sort(),
      );

      // The same settings again: nothing changed, nothing recorded.
      const again = await startHarness({ db, registerChannel: false, connector: { rateLimits: false }, jigsaw: { runWorker: false } });
      await again.stop();
      expect(await changes(db)).toHaveLength(4);

      // A new headteacher and no DPO: the former holders' loss of the role is on record too.
      const second = await startHarness({ db, registerChannel: false, env: { HEADTEACHER_AAD_ID: PEOPLE.dsl2.aadObjectId, DPO_AAD_ID: '' }, connector: { rateLimits: false }, jigsaw: { runWorker: false } });
      await second.stop();
      expect((await changes(db)).slice(4).sort()).toEqual(
        [
          `removed headteacher ${PEOPLE.head.aadObjectId} ${by}`,
          `assigned headteacher ${PEOPLE.dsl2.aadObjectId} ${by}`,
          `removed dpo ${PEOPLE.dpo.aadObjectId} ${by}`,
        ].sort(),
      );
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('administrators taking each other’s role', () => {
  const A = { aadObjectId: 'a1a1a1a1-0000-4000-8000-0000000000a1', name: 'Alex Admin' };
  const B = { aadObjectId: 'b2b2b2b2-0000-4000-8000-0000000000b2', name: 'Bea Admin' };
  const tenantId = '6f1c2b3a-0000-4000-8000-0000000000a9';
  const admins = async (db: Db) => (await db.query<{ aad_object_id: string }>("SELECT aad_object_id FROM role_assignments WHERE tenant_id = $1 AND role = 'admin'", [tenantId])).map((r) => r.aad_object_id);
  const setUp = async () => {
    const db = await createTestDb();
    await upsertTenant(db, { tenantId, schoolName: 'Avenue House', timeZone: 'Europe/London' });
    for (const who of [A, B]) await assignRole(db, tenantId, 'admin', who.aadObjectId, 'tab');
    return db;
  };

  it('refuses a change by someone whose admin role was taken away after their request was read', async () => {
    const db = await setUp();
    try {
      expect(await removeRoleInTab(db, tenantId, 'admin', B.aadObjectId, A, new Date())).toEqual({ ok: true });
      // B's request was authorised a moment earlier; by the time it runs, B is no longer an admin.
      expect(await removeRoleInTab(db, tenantId, 'admin', A.aadObjectId, B, new Date())).toEqual({ ok: false, code: 'not-admin' });
      expect(await assignRoleInTab(db, tenantId, 'governor', { aadObjectId: B.aadObjectId, displayName: B.name }, B, new Date())).toEqual({ ok: false, code: 'not-admin' });
      expect(await admins(db)).toEqual([A.aadObjectId]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('at the same moment: one of them keeps the role, never nobody', async () => {
    const db = await setUp();
    try {
      const outcomes = await Promise.all([
        removeRoleInTab(db, tenantId, 'admin', B.aadObjectId, A, new Date()),
        removeRoleInTab(db, tenantId, 'admin', A.aadObjectId, B, new Date()),
      ]);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(await admins(db)).toHaveLength(1);
    } finally {
      await db.close();
    }
  }, 60_000);
});
