import { randomUUID } from 'node:crypto';
import { exportPupilCommand } from '../../src/cli/export-pupil';
import { submitConcernReport } from '../../src/services/report-concern';
import { ConcernRepository } from '../../src/store/concern.repo';
import type { Db } from '../../src/store/db';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import { runCliCommand } from '../support/run-cli-command';
import { createTestDb, storeKind } from '../support/test-db';

// A subject access export that fails part-way (here: one concern's data key is wrapped under a
// retired master key that is no longer configured) produces no export at all. It used to leave
// "subject-access.export allowed" entries in the access log for the concerns read before the
// failure, recording a disclosure of the pupil's records that never happened.

const TENANT = randomUUID();
const K0 = `k0:${Buffer.alloc(32, 0x30).toString('base64')}`;
const K1 = `k1:${Buffer.alloc(32, 0x31).toString('base64')}`;
const reporter = { aadObjectId: 'r-1', name: 'Sam Teacher' };

async function report(db: Db, cipher: NarrativeCipher, n: number): Promise<void> {
  const outcome = await submitConcernReport(
    { db, concerns: new ConcernRepository(cipher), now: () => new Date() },
    { tenantId: TENANT, timeZone: 'Europe/London', reporter, raw: { about: 'pupil', category: 'online-bullying', pupils: 'Imogen Unreadable', whatHappened: `Messages in a group chat, case ${n}.`, occurredOn: '2026-11-20', location: 'Online', urgency: 'standard' } },
  );
  if (outcome.kind !== 'accepted') throw new Error(`report refused: ${JSON.stringify(outcome)}`);
}

describe(`subject access export that fails part-way (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Unreadable Key Primary', timeZone: 'Europe/London' });
    await report(db, NarrativeCipher.fromConfig(K1), 1);
    // The second concern's data key is wrapped under k0, a key the export is then run without.
    await report(db, NarrativeCipher.fromConfig(`${K1},${K0}`, 'k0'), 2);
  });
  afterAll(() => db.close());

  it('logs no export when not every concern could be read', async () => {
    await expect(runCliCommand(exportPupilCommand, ['--pupil', 'Imogen Unreadable'], db, { ENCRYPTION_KEYS: K1 })).rejects.toThrow('master key k0 is not configured');
    expect(await db.query("SELECT 1 FROM access_log WHERE verb = 'subject-access.export'")).toEqual([]);
    // With the retired key configured again, the export is made, and each concern is logged once.
    const r = await runCliCommand(exportPupilCommand, ['--pupil', 'Imogen Unreadable'], db, { ENCRYPTION_KEYS: `${K0},${K1}` });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).concerns).toHaveLength(2);
    expect(await db.query("SELECT count(*)::int AS n FROM access_log WHERE verb = 'subject-access.export'")).toEqual([{ n: 2 }]);
  });
});
