import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/store/db';
import { ConcernRepository } from '../../src/store/concern.repo';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { rekeyPupils } from '../../src/store/pupil-rekey';
import { upsertTenant } from '../../src/store/tenant.repo';
import { listConcernsSharingPupils } from '../../src/store/triage.repo';
import { exportPupil } from '../../src/services/export-pupil';
import { pupilKeyHash } from '../../src/domain/people/pupil-key';
import { PEOPLE, SCHOOL, startHarness, TEST_ENCRYPTION_KEYS, type Harness } from '../support/harness';
import { createTestDb } from '../support/test-db';
import { reportAndAwaitCard } from '../support/triage';

// A store written by version 1 of the pupil key (letters a–z and digits only): "Łucja Nowak"
// was stored as "name:nowak ucja", and every Cyrillic name as "name:". The rows are written
// here as that version wrote them (the keys by SQL); then the app starts on the store.

const cipher = NarrativeCipher.fromConfig(TEST_ENCRYPTION_KEYS);
const tenantId = SCHOOL.tenantId;
const DSL = PEOPLE.dsl1;
const EXPORTED_AT = new Date('2026-10-01T09:00:00Z');

let db: Db;
let h: Harness | undefined;
const ids = { lucja: randomUUID(), dmitri: randomUUID(), anna: randomUUID(), amelia: randomUUID(), twoCyrillic: randomUUID(), unreadable: randomUUID() };
const transfers = { anna: randomUUID(), lucja: randomUUID(), unknown: randomUUID() };

async function insertConcern(repo: ConcernRepository, concernId: string, pupils: string[], oldKeys: string[], createdAt = new Date('2026-09-20T10:00:00Z')) {
  await repo.insert(
    db,
    {
      tenantId,
      concernId,
      reporter: { aadObjectId: PEOPLE.teacher.aadObjectId, name: PEOPLE.teacher.name },
      report: { pupils, about: 'pupil', category: 'online-bullying', whatHappened: `A concern about ${pupils.join(' and ')}.`, occurredOn: '2026-09-20', location: 'Playground', urgency: 'standard' },
      recipient: 'dsl-team',
      now: createdAt,
    },
    { type: 'reported', actor: { aadObjectId: PEOPLE.teacher.aadObjectId, name: PEOPLE.teacher.name }, details: {} },
  );
  for (const [position, key] of oldKeys.entries()) {
    await db.query('UPDATE concern_pupils SET pupil_key = $3 WHERE concern_id = $1 AND position = $2', [concernId, position, key]);
  }
}

async function logView(concernId: string | null, key: string, action = 'pupil.chronology.view', at = new Date('2026-10-01T08:00:00Z')) {
  await db.query(
    `INSERT INTO tab_access_log (tenant_id, actor_aad_id, actor_name, action, concern_id, reference, pupil_key, outcome, at) VALUES ($1, $2, $3, $4, $5, NULL, $6, 'allowed', $7)`,
    [tenantId, DSL.aadObjectId, DSL.name, action, concernId, key, at],
  );
}

async function insertTransfer(transferId: string, key: string, at: Date) {
  await db.query(
    `INSERT INTO pupil_file_transfers (tenant_id, transfer_id, pupil_key, destination_school, concern_count, exported_by, exported_by_name, exported_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7)`,
    [tenantId, transferId, key, `School for ${transferId.slice(0, 8)}`, DSL.aadObjectId, DSL.name, at],
  );
}

/** Every stored key, to compare before and after. */
async function storedKeys() {
  return {
    pupils: await db.query<{ concern_id: string; position: number; pupil_key: string }>('SELECT concern_id::text, position, pupil_key FROM concern_pupils ORDER BY concern_id, position'),
    transfers: await db.query<{ transfer_id: string; pupil_key: string }>('SELECT transfer_id::text, pupil_key FROM pupil_file_transfers ORDER BY transfer_id'),
    accessLog: await db.query<{ log_id: string; pupil_key: string | null }>('SELECT log_id::text, pupil_key FROM tab_access_log ORDER BY log_id'),
    patternAlerts: await db.query<{ pupil_hash: string; newest_concern_id: string }>('SELECT pupil_hash, newest_concern_id::text FROM pattern_alerts ORDER BY pupil_hash'),
    versions: await db.query<{ version: number; counts: unknown }>('SELECT version, counts FROM pupil_key_versions ORDER BY version'),
  };
}
const keyOf = (keys: Awaited<ReturnType<typeof storedKeys>>, concernId: string, position = 0) => keys.pupils.find((p) => p.concern_id === concernId && Number(p.position) === position)?.pupil_key;
const exportOf = (pupil: string) => exportPupil({ db, concerns: new ConcernRepository(cipher), now: new Date(), actor: { aadObjectId: PEOPLE.dpo.aadObjectId, name: PEOPLE.dpo.name } }, { pupil, tenantId });

/** The store as the app sees it, except that `failing` statements fail: a process that dies there. */
function failingAt(inner: Db, failing: RegExp): Db {
  return {
    kind: inner.kind,
    query: ((text: string, params?: readonly unknown[]) => (failing.test(text) ? Promise.reject(new Error('simulated crash')) : inner.query(text, params))) as Db['query'],
    exec: (sql) => inner.exec(sql),
    transaction: (fn) => inner.transaction((tx) => fn(failingAt(tx, failing))),
    close: () => inner.close(),
  };
}

beforeAll(async () => {
  db = await createTestDb();
  await upsertTenant(db, { tenantId, schoolName: 'Halley Primary', timeZone: 'Europe/London' });
  const repo = new ConcernRepository(cipher);
  await insertConcern(repo, ids.lucja, ['Łucja Nowak (5C)'], ['name:nowak ucja']);
  await insertConcern(repo, ids.dmitri, ['Дмитрий Иванов'], ['name:']);
  await insertConcern(repo, ids.anna, ['Анна Петрова'], ['name:']);
  await insertConcern(repo, ids.amelia, ['Amelia Okonkwo'], ['name:amelia okonkwo']);
  await insertConcern(repo, ids.twoCyrillic, ['Олег Сидоров', 'Ольга Смирнова'], ['name:', 'name:']);
  // A concern whose master key is no longer configured: its pupil's name cannot be read.
  await insertConcern(new ConcernRepository(NarrativeCipher.fromConfig(`retired:${Buffer.alloc(32, 0x11).toString('base64')}`)), ids.unreadable, ['Пётр Волков'], ['name:']);

  // The tab's access log: chronology views (by concern), one entry without a concern.
  await logView(ids.dmitri, 'name:');
  await logView(ids.lucja, 'name:nowak ucja');
  await logView(ids.twoCyrillic, 'name:');
  await logView(null, 'name:');
  await logView(ids.amelia, 'name:amelia okonkwo');
  // Anna's file sent to a new school: the transfer and the access-log entry written with it.
  await insertTransfer(transfers.anna, 'name:', EXPORTED_AT);
  await logView(ids.anna, 'name:', 'pupil.file.export', EXPORTED_AT);
  // Transfers whose export left no entry: only the key tells whose file it was.
  await insertTransfer(transfers.lucja, 'name:nowak ucja', new Date('2026-10-02T09:00:00Z'));
  await insertTransfer(transfers.unknown, 'name:', new Date('2026-10-03T09:00:00Z'));
  // The pattern alert sent for Łucja (a hash of the key).
  await db.query('INSERT INTO pattern_alerts (tenant_id, pupil_hash, newest_concern_id, concern_count) VALUES ($1, $2, $3, 3)', [tenantId, pupilKeyHash(tenantId, 'name:nowak ucja'), ids.lucja]);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await db?.close();
});

describe('pupil keys stored by version 1 are brought to version 2 at start-up', () => {
  it('changes nothing when the process dies half-way (one transaction), and is done again at the next start', async () => {
    const before = await storedKeys();
    expect(before.versions).toEqual([]);
    await expect(rekeyPupils(failingAt(db, /UPDATE tab_access_log/), cipher)).rejects.toThrow('simulated crash');
    expect(await storedKeys()).toEqual(before);
  });

  it('recomputes every pupil key from the (decrypted) name, and maps the keys stored without a name', async () => {
    h = await startHarness({ db });
    const keys = await storedKeys();
    expect(keyOf(keys, ids.lucja)).toBe('name:lucja nowak');
    expect(keyOf(keys, ids.dmitri)).toBe('name:дмитрий иванов');
    expect(keyOf(keys, ids.anna)).toBe('name:анна петрова');
    expect(keyOf(keys, ids.amelia)).toBe('name:amelia okonkwo');
    expect([keyOf(keys, ids.twoCyrillic, 0), keyOf(keys, ids.twoCyrillic, 1)]).toEqual(['name:олег сидоров', 'name:ольга смирнова']);
    // Unreadable: its old key was the shared empty one, so it is now linked to nothing.
    expect(keyOf(keys, ids.unreadable)).toBe(`unlinked:${ids.unreadable}:0`);

    const accessLog = keys.accessLog.map((e) => e.pupil_key);
    // By the entry's concern; an entry about a concern naming two such pupils, or about no
    // concern, cannot be told apart: it stays as it was (and matches no current pupil).
    expect(accessLog).toEqual(['name:дмитрий иванов', 'name:lucja nowak', 'name:', 'name:', 'name:amelia okonkwo', 'name:анна петрова']);
    const transferKeys = Object.fromEntries(keys.transfers.map((t) => [t.transfer_id, t.pupil_key]));
    expect(transferKeys).toEqual({ [transfers.anna]: 'name:анна петрова', [transfers.lucja]: 'name:lucja nowak', [transfers.unknown]: 'name:' });
    expect(keys.patternAlerts).toEqual([{ pupil_hash: pupilKeyHash(tenantId, 'name:lucja nowak'), newest_concern_id: ids.lucja }]);
    expect(keys.versions).toEqual([{ version: 2, counts: { concernPupils: 6, unreadable: 1, fileTransfers: 2, accessLog: 3, patternAlerts: 1, unmapped: 3 } }]);
  });

  it('runs once: again, or at the next start, it changes nothing', async () => {
    const after = await storedKeys();
    expect(await rekeyPupils(db, cipher)).toBeUndefined();
    await h!.stop();
    h = await startHarness({ db });
    expect(await storedKeys()).toEqual(after);
  });

  it('links a new concern typed "Lucja Nowak" to the one stored as "Łucja Nowak"', async () => {
    const lucja = await reportAndAwaitCard(h!, PEOPLE.teacher, { pupils: 'Lucja Nowak', whatHappened: 'Lucja said the messages started again.' });
    expect((await listConcernsSharingPupils(db, tenantId, ids.lucja)).map((c) => c.concernId)).toEqual([lucja.concernId]);
    const data = await exportOf('Lucja Nowak');
    expect(data.concerns.map((c) => c.reference)).toHaveLength(2);
    expect(data.fileTransfers).toEqual([expect.objectContaining({ destinationSchool: `School for ${transfers.lucja.slice(0, 8)}` })]);
  });

  it("no longer gives one Cyrillic-named child's records with another's", async () => {
    expect(await listConcernsSharingPupils(db, tenantId, ids.dmitri)).toEqual([]);
    const anna = await exportOf('Анна Петрова');
    expect(anna.concerns.map((c) => c.whatHappened)).toEqual(['A concern about Анна Петрова.']);
    expect(anna.fileTransfers).toEqual([expect.objectContaining({ destinationSchool: `School for ${transfers.anna.slice(0, 8)}` })]);
    const dmitri = await exportOf('Дмитрий Иванов');
    expect(dmitri.concerns.map((c) => c.whatHappened)).toEqual(['A concern about Дмитрий Иванов.']);
    expect(dmitri.fileTransfers).toEqual([]);
    expect((await exportOf('Ольга Смирнова')).concerns.map((c) => c.whatHappened)).toEqual(['A concern about Олег Сидоров and Ольга Смирнова.']);
  });
});
