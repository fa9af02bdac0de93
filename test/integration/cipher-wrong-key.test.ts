import { randomUUID } from 'node:crypto';
import { createJigsaw } from '../../src/app';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging';
import { exportPupilCommand } from '../../src/cli/export-pupil';
import { verifyChronologyCommand } from '../../src/cli/verify-chronology';
import { ConcernRepository } from '../../src/store/concern.repo';
import type { Db } from '../../src/store/db';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import { reportAndTriage } from '../support/chronology-fixtures';
import { runCliCommand } from '../support/run-cli-command';
import { createTestDb, storeKind } from '../support/test-db';

// A master key pasted with the wrong value under the right id (or a second key given the same id)
// used to be accepted silently: verify-chronology then reported every chronology made under it as
// BROKEN ("modified after it was written"), a false safeguarding records incident; the app started
// and wrote new records and links under it. Now the key is refused before anything is done.

const TENANT = randomUUID();
const RIGHT = `k1:${Buffer.alloc(32, 0x31).toString('base64')}`;
const WRONG = `k1:${Buffer.alloc(32, 0x39).toString('base64')}`;
const OTHER = `k2:${Buffer.alloc(32, 0x32).toString('base64')}`;

describe(`a wrong master key is refused, never taken for tampering (${storeKind()})`, () => {
  let db: Db;
  let reference: string;
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Wrong Key Primary', timeZone: 'Europe/London' });
    const concerns = new ConcernRepository(NarrativeCipher.fromConfig(RIGHT));
    ({ reference } = await reportAndTriage({ db, concerns }, { tenantId: TENANT, reporter: { aadObjectId: 'r-1', name: 'Sam Teacher' }, dsl: { aadObjectId: 'd-1', name: 'Dana Lead' } }, 1));
  });
  afterAll(() => db.close());

  it('verify-chronology: the right key verifies; a wrong one under the same id is a configuration error, not BROKEN', async () => {
    expect(await runCliCommand(verifyChronologyCommand, [], db, { ENCRYPTION_KEYS: RIGHT })).toMatchObject({ code: 0 });
    for (const keys of [WRONG, `${OTHER},${WRONG}`]) {
      const r = await runCliCommand(verifyChronologyCommand, [], db, { ENCRYPTION_KEYS: keys });
      expect(r.code).toBe(2);
      expect(r.out).not.toMatch(/BROKEN|FAILED/);
      expect(r.err).toContain('master key k1 is not the key the stored records were encrypted with');
      expect(r.err).not.toContain(Buffer.alloc(32, 0x39).toString('base64'));
    }
    // A retired key missing altogether is still reported as such (not a wrong key).
    expect(await runCliCommand(verifyChronologyCommand, [], db, { ENCRYPTION_KEYS: OTHER })).toMatchObject({ code: 3 });
  });

  it('export-pupil: refused with the same message, and nothing is logged as exported', async () => {
    const r = await runCliCommand(exportPupilCommand, ['--pupil', 'Pupil 1'], db, { ENCRYPTION_KEYS: WRONG });
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toContain('master key k1 is not the key');
    expect(await db.query("SELECT 1 FROM access_log WHERE verb = 'subject-access.export'")).toEqual([]);
    expect(await runCliCommand(exportPupilCommand, ['--pupil', 'Pupil 1'], db, { ENCRYPTION_KEYS: RIGHT })).toMatchObject({ code: 0 });
  });

  it('the app does not start with a wrong key', async () => {
    await expect(createJigsaw(loadConfig({ ENCRYPTION_KEYS: WRONG }), { logger: silentLogger, db, runWorker: false })).rejects.toThrow('master key k1 is not the key');
    expect(await db.query('SELECT reference FROM concerns')).toEqual([{ reference }]);
  });

  it('the same key id listed twice is refused: the later key would silently replace the earlier', () => {
    expect(() => loadConfig({ ENCRYPTION_KEYS: `${RIGHT},${WRONG}` })).toThrow(/key id k1 twice/);
    expect(() => NarrativeCipher.fromConfig(`${RIGHT},${WRONG}`)).toThrow(/listed twice/);
  });
});
