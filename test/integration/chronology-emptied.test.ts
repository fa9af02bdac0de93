import { randomUUID } from 'node:crypto';
import { verifyChronologyCommand } from '../../src/cli/verify-chronology';
import { GENESIS_HASH } from '../../src/domain/concerns/chronology';
import { ConcernRepository } from '../../src/store/concern.repo';
import type { Db } from '../../src/store/db';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import { reportAndTriage } from '../support/chronology-fixtures';
import { runCliCommand } from '../support/run-cli-command';
import { createTestDb, storeKind } from '../support/test-db';

// Anyone with the app's own database role can turn on the retention purge's switch for their
// transaction, delete a concern's every event, and reset the concern row to "no events, no seal".
// verify-chronology used to report that as "OK …: 0 events, fully keyed". Every concern is stored
// with its report as event 1, so an empty chronology is broken.

const TENANT = randomUUID();
const KEYS = `k1:${Buffer.alloc(32, 0x31).toString('base64')}`;

describe(`verify-chronology: a chronology emptied in the database is broken (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Emptied Chronology Primary', timeZone: 'Europe/London' });
  });
  afterAll(() => db.close());

  it('names the concern and fails (exit 1); the untouched one stays OK', async () => {
    const concerns = new ConcernRepository(NarrativeCipher.fromConfig(KEYS));
    const people = { tenantId: TENANT, reporter: { aadObjectId: 'r-1', name: 'Sam Teacher' }, dsl: { aadObjectId: 'd-1', name: 'Dana Lead' } };
    const wiped = await reportAndTriage({ db, concerns }, people, 1);
    const kept = await reportAndTriage({ db, concerns }, people, 2);
    await db.transaction(async (tx) => {
      await tx.query("SELECT set_config('jigsaw.retention_purge', 'on', true)");
      await tx.query('DELETE FROM concern_events WHERE tenant_id = $1 AND concern_id = $2::uuid', [TENANT, wiped.concernId]);
      await tx.query('UPDATE concerns SET event_count = 0, head_hash = $3, head_key_id = NULL, head_tag = NULL WHERE tenant_id = $1 AND concern_id = $2::uuid', [TENANT, wiped.concernId, GENESIS_HASH]);
    });
    const r = await runCliCommand(verifyChronologyCommand, [], db, { ENCRYPTION_KEYS: KEYS });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`BROKEN ${wiped.reference}: event 1 is missing: the chronology is empty`);
    expect(r.out).toContain(`OK ${kept.reference}: 3 events, fully keyed`);
    expect(r.out).toContain('FAILED: 1 of 2 concern chronologies is broken.');
  });
});
