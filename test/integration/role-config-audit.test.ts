import { PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb } from '../support/test-db';
import type { Db } from '../../src/store/db';

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
