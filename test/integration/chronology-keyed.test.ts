import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliCommand } from '../../src/cli';
import { runCliCommand } from '../support/run-cli-command';
import { verifyChronologyCommand } from '../../src/cli/verify-chronology';
import { rotateKeyCommand } from '../../src/cli/rotate-key';
import type { Db } from '../../src/store/db';
import { MIGRATIONS_DIR, migrate } from '../../src/store/migrate';
import { openPgliteDb } from '../../src/store/pglite-db';
import { openPostgresDb } from '../../src/store/pg-db';
import { ConcernRepository } from '../../src/store/concern.repo';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import { GENESIS_HASH, hashEvent } from '../../src/domain/concerns/chronology';
import { storeKind } from '../support/test-db';
import { reportAndTriage as reportAndTriageWith } from '../support/chronology-fixtures';
import { asDatabaseOwner, rehashWithSha256 } from '../support/database-owner';

// Keyed chronology (docs/security.md, threat 12) through the real store and the CLI. The store
// starts as the previous version left it (every migration before keyed chronology, with concerns
// written as version 1 wrote them); then it is upgraded and used by this version. The test then
// plays a database owner without the master key: it switches the append-only trigger off, as an
// owner can, edits events and recomputes the hashes with plain SHA-256.

const TENANT = '6f1c2b3a-0000-4000-8000-0000000000d7';
const K1 = Buffer.alloc(32, 0x31);
const K2 = Buffer.alloc(32, 0x32);
const KEY1 = `k1:${K1.toString('base64')}`;
const KEY2 = `k2:${K2.toString('base64')}`;
const KEYED_SINCE = '20261125090000';
const reporter = { aadObjectId: 'aaaaaaaa-0000-4000-8000-0000000000d1', name: 'Sam Teacher' };
const dsl = { aadObjectId: 'bbbbbbbb-0000-4000-8000-0000000000d2', name: 'Dana Lead' };

const runCommand = (command: CliCommand, args: string[], db: Db, keys: string) => runCliCommand(command, args, db, { ENCRYPTION_KEYS: keys });
const verify = (db: Db, keys: string, reference?: string) => runCommand(verifyChronologyCommand, reference ? ['--concern', reference] : [], db, keys);

/** A store migrated up to (not including) keyed chronology: what the previous version ran on. */
async function openPreviousVersionStore(): Promise<Db> {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-previous-migrations-'));
  try {
    for (const file of readdirSync(MIGRATIONS_DIR)) if (file.endsWith('.sql') && file < KEYED_SINCE) copyFileSync(join(MIGRATIONS_DIR, file), join(dir, file));
    let db: Db;
    if (storeKind() === 'postgres') {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const inner = await openPostgresDb(process.env.DATABASE_URL!, { schema });
      const close = inner.close.bind(inner);
      db = Object.assign(inner, {
        async close() {
          await inner.exec(`DROP SCHEMA ${schema} CASCADE`);
          await close();
        },
      });
    } else {
      db = await openPgliteDb();
    }
    await migrate(db, dir);
    return db;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A concern and its chronology as version 1 wrote them: plain SHA-256 links, no seal. */
async function insertAsVersion1(db: Db, cipher: NarrativeCipher, reference: string, notes: string[]): Promise<{ concernId: string; reference: string; hashes: string[] }> {
  const concernId = randomUUID();
  const { dataKey, wrapped, masterKeyId } = cipher.newDataKey(TENANT);
  const seal = (v: string) => cipher.encrypt(dataKey, v, TENANT);
  const events = [{ type: 'reported', actor: reporter, details: { category: 'online-bullying' } }, ...notes.map((note) => ({ type: 'note-added', actor: dsl, details: { note } }))];
  let prev = GENESIS_HASH;
  const rows = events.map((e, i) => {
    const fields = { tenantId: TENANT, concernId, seq: i + 1, type: e.type, actorAadId: e.actor.aadObjectId, actorName: e.actor.name, occurredAt: new Date(Date.UTC(2026, 9, 1 + i, 9)), detailsSealed: seal(JSON.stringify(e.details)) };
    const row = { ...fields, prevHash: prev, hash: hashEvent(prev, fields) };
    prev = row.hash;
    return row;
  });
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO concerns (tenant_id, concern_id, reference, reporter_aad_id, reporter_name, about, category, urgency, occurred_on, location_enc, what_happened_enc,
         recipient, status, created_at, updated_at, event_count, head_hash)
       VALUES ($1, $2, $3, $4, $5, 'pupil', 'online-bullying', 'standard', '2026-10-01', $6, $7, 'dsl-team', 'new', $8, $8, $9, $10)`,
      [TENANT, concernId, reference, reporter.aadObjectId, reporter.name, seal('Online'), seal('Messages in a group chat.'), rows[0].occurredAt, rows.length, prev],
    );
    await tx.query('INSERT INTO concern_keys (tenant_id, concern_id, master_key_id, wrapped_key) VALUES ($1, $2, $3, $4)', [TENANT, concernId, masterKeyId, wrapped]);
    for (const r of rows) {
      await tx.query(
        `INSERT INTO concern_events (tenant_id, concern_id, seq, event_type, actor_aad_id, actor_name, occurred_at, details_enc, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        [TENANT, concernId, r.seq, r.type, r.actorAadId, r.actorName, r.occurredAt, r.detailsSealed, r.prevHash, r.hash],
      );
    }
  });
  return { concernId, reference, hashes: rows.map((r) => r.hash) };
}

describe(`keyed chronology through the store and verify-chronology (${storeKind()})`, () => {
  let db: Db;
  const cipher = NarrativeCipher.fromConfig(KEY1);
  const concerns = new ConcernRepository(cipher);
  let legacy: Awaited<ReturnType<typeof insertAsVersion1>>;
  let mixed: Awaited<ReturnType<typeof insertAsVersion1>>;

  /** A concern reported and triaged by this version: three keyed events. */
  const reportAndTriage = (n: number, repo = concerns) => reportAndTriageWith({ db, concerns: repo }, { tenantId: TENANT, reporter, dsl }, n);

  let keyed: { concernId: string; reference: string };

  beforeAll(async () => {
    db = await openPreviousVersionStore();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'The Croft', timeZone: 'Europe/London' });
    legacy = await insertAsVersion1(db, cipher, 'C-2026-00901', ['First note', 'Second note']);
    mixed = await insertAsVersion1(db, cipher, 'C-2026-00902', ['Before the upgrade']);
    // The upgrade: this version's migrations, then this version writes.
    expect(await migrate(db)).toContain(`${KEYED_SINCE}-keyed-chronology.sql`);
    const dataKey = await concerns.dataKey(db, TENANT, mixed.concernId);
    await db.transaction((tx) => concerns.appendEvent(tx, TENANT, mixed.concernId, dataKey, { type: 'note-added', actor: dsl, occurredAt: new Date(), details: { note: 'After the upgrade' } }));
    keyed = await reportAndTriage(1);
  });
  afterAll(() => db?.close());

  it('keeps the version 1 events as they were written, and the database still refuses to change any event', async () => {
    const stored = await db.query<{ seq: number; hash: string; hash_version: number | null; hash_key_id: string | null }>(
      'SELECT seq, hash, hash_version, hash_key_id FROM concern_events WHERE concern_id = $1 ORDER BY seq',
      [mixed.concernId],
    );
    expect(stored.map((e) => [e.hash, e.hash_version, e.hash_key_id])).toEqual([
      [mixed.hashes[0], null, null],
      [mixed.hashes[1], null, null],
      [expect.stringMatching(/^[0-9a-f]{64}$/), 2, 'k1'],
    ]);
    const [head] = await db.query<{ head_key_id: string | null }>('SELECT head_key_id FROM concerns WHERE concern_id = $1', [legacy.concernId]);
    expect(head.head_key_id).toBeNull();
    await expect(db.query("UPDATE concern_events SET hash_version = 2, hash_key_id = 'k1' WHERE concern_id = $1", [legacy.concernId])).rejects.toThrow(/append-only/);
    await expect(db.query('UPDATE concern_events SET actor_name = actor_name WHERE concern_id = $1', [keyed.concernId])).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM concern_events WHERE concern_id = $1', [mixed.concernId])).rejects.toThrow(/append-only/);
  });

  it('reports per concern whether its chronology is fully keyed or has older unkeyed events, and sums up', async () => {
    const result = await verify(db, KEY1);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`OK ${keyed.reference}: 3 events, fully keyed\n`);
    expect(result.out).toContain(`OK ${mixed.reference}: 3 events, 2 older unkeyed: an edit made to them in the database before keyed event 3 was written could not be detected\n`);
    expect(result.out).toContain(`OK ${legacy.reference}: 3 events, all unkeyed: protected against the application, not against someone with database access\n`);
    expect(result.out).toMatch(/^OK: 3 concern chronologies, 9 events, every hash chain intact; 1 fully keyed, 2 with older unkeyed events \(5 unkeyed events\)\.$/m);
    for (const secret of [K1.toString('base64'), K1.toString('hex')]) expect(result.out + result.err).not.toContain(secret);
  });

  describe('a database owner without the master key', () => {
    it('edits an actor name and recomputes every hash with SHA-256: reported as modified', async () => {
      const target = await reportAndTriage(2);
      await asDatabaseOwner(db, async () => {
        await db.query("UPDATE concern_events SET actor_name = 'Somebody Else' WHERE concern_id = $1 AND seq = 2", [target.concernId]);
        await rehashWithSha256(db, target.concernId, 2);
      });
      const result = await verify(db, KEY1, target.reference);
      expect(result).toMatchObject({ code: 1 });
      expect(result.out).toContain(`BROKEN ${target.reference}: event 2 was modified after it was written (first broken link: event 2)\n`);
      expect(result.out).toContain('FAILED: 1 of 1 concern chronology is broken.');
    });

    it('changes an event\'s type and time and recomputes the hashes, relabelled as unkeyed: reported', async () => {
      const target = await reportAndTriage(3);
      await asDatabaseOwner(db, async () => {
        await db.query("UPDATE concern_events SET event_type = 'closed', occurred_at = occurred_at - interval '3 days', hash_version = NULL, hash_key_id = NULL WHERE concern_id = $1 AND seq >= 3", [target.concernId]);
        await rehashWithSha256(db, target.concernId, 3);
      });
      const result = await verify(db, KEY1, target.reference);
      expect(result).toMatchObject({ code: 1 });
      expect(result.out).toContain(`BROKEN ${target.reference}: event 3 was rewritten without the key (an unkeyed event after a keyed one) (first broken link: event 3)`);
    });

    it('deletes the newest event and fixes the concern row\'s count and head hash: reported, with or without the seal', async () => {
      const target = await reportAndTriage(4);
      const other = await reportAndTriage(5);
      await asDatabaseOwner(db, async () => {
        for (const t of [target, other]) {
          await db.query('DELETE FROM concern_events WHERE concern_id = $1 AND seq = 3', [t.concernId]);
          await rehashWithSha256(db, t.concernId, 3);
        }
        await db.query('UPDATE concerns SET head_key_id = NULL, head_tag = NULL WHERE concern_id = $1', [other.concernId]);
      });
      const result = await verify(db, KEY1, target.reference);
      expect(result).toMatchObject({ code: 1 });
      expect(result.out).toContain(
        `BROKEN ${target.reference}: the concern record's count or last hash does not match its keyed seal (events after event 2 were removed, or the record was edited) (first broken link: event 3)`,
      );
      expect((await verify(db, KEY1, other.reference)).out).toContain(`BROKEN ${other.reference}: the concern record's keyed seal is missing, but its chronology has keyed events`);
    });

    it('rewrites the unkeyed events that a keyed event follows: reported at the keyed event', async () => {
      await asDatabaseOwner(db, async () => {
        await db.query("UPDATE concern_events SET actor_name = 'Somebody Else' WHERE concern_id = $1 AND seq = 1", [mixed.concernId]);
        // Only the unkeyed links can be recomputed; the keyed event 3 keeps its link.
        const rows = await db.query<{ hash: string }>('SELECT hash FROM concern_events WHERE concern_id = $1 AND seq = 3', [mixed.concernId]);
        await rehashWithSha256(db, mixed.concernId, 1);
        await db.query('UPDATE concern_events SET hash = $2 WHERE concern_id = $1 AND seq = 3', [mixed.concernId, rows[0].hash]);
        await db.query('UPDATE concerns SET head_hash = $2 WHERE concern_id = $1', [mixed.concernId, rows[0].hash]);
      });
      const result = await verify(db, KEY1, mixed.reference);
      expect(result).toMatchObject({ code: 1 });
      expect(result.out).toContain(`BROKEN ${mixed.reference}: event 3 was modified after it was written (first broken link: event 3)`);
    });

    it('rewrites a chronology that is all unkeyed: not detectable, and reported as unkeyed (the documented limit)', async () => {
      await asDatabaseOwner(db, async () => {
        await db.query("UPDATE concern_events SET actor_name = 'Somebody Else' WHERE concern_id = $1 AND seq = 2", [legacy.concernId]);
        await rehashWithSha256(db, legacy.concernId, 2);
      });
      const result = await verify(db, KEY1, legacy.reference);
      expect(result).toMatchObject({ code: 0 });
      expect(result.out).toContain(`OK ${legacy.reference}: 3 events, all unkeyed: protected against the application, not against someone with database access`);
    });

    it('sums up every broken chronology in a full run', async () => {
      const result = await verify(db, KEY1);
      expect(result.code).toBe(1);
      expect(result.out.match(/^BROKEN /gm)).toHaveLength(5);
      expect(result.out).toContain(`OK ${keyed.reference}: 3 events, fully keyed`);
      expect(result.out).toContain('FAILED: 5 of 7 concern chronologies are broken.');
    });
  });

  describe('after a master key rotation', () => {
    const BOTH = `${KEY1},${KEY2}`;
    let rotated: { concernId: string; reference: string };

    beforeAll(async () => {
      rotated = await reportAndTriage(6);
      const result = await runCommand(rotateKeyCommand, [], db, BOTH);
      expect(result.code).toBe(0);
      expect(result.out).toContain('under master key "k2"');
      // This version, configured with both keys (the new one active), keeps writing.
      const after = new ConcernRepository(NarrativeCipher.fromConfig(BOTH));
      const dataKey = await after.dataKey(db, TENANT, rotated.concernId);
      await db.transaction((tx) => after.appendEvent(tx, TENANT, rotated.concernId, dataKey, { type: 'note-added', actor: dsl, occurredAt: new Date(), details: { note: 'After the rotation' } }));
    });

    it('links new events with the new key, and says which keys the chronology still needs', async () => {
      const events = await db.query<{ seq: number; hash_key_id: string }>('SELECT seq, hash_key_id FROM concern_events WHERE concern_id = $1 ORDER BY seq', [rotated.concernId]);
      expect(events.map((e) => e.hash_key_id)).toEqual(['k1', 'k1', 'k1', 'k2']);
      const [head] = await db.query<{ head_key_id: string }>('SELECT head_key_id FROM concerns WHERE concern_id = $1', [rotated.concernId]);
      expect(head.head_key_id).toBe('k2');
      const again = await runCommand(rotateKeyCommand, ['--dry-run'], db, BOTH);
      expect(again.out).toMatch(/Chronology links by master key: k1: \d+, k2: 1 \(and \d+ unkeyed\)\. Keep these master keys configured/);
      expect((await verify(db, BOTH, rotated.reference)).out).toContain(`OK ${rotated.reference}: 4 events, fully keyed`);
    });

    it('reports events under a master key that is no longer configured as unverifiable, not as modified', async () => {
      const result = await verify(db, KEY2, rotated.reference);
      expect(result.code).toBe(3);
      expect(result.out).toContain(`UNVERIFIABLE ${rotated.reference}: events 1–3 cannot be verified: key k1 is not configured\n`);
      expect(result.out).toContain('NOT VERIFIED: 1 of 1 concern chronology cannot be verified (key k1 is not configured); no link that could be checked was broken.');
      expect(result.out).not.toMatch(/BROKEN|modified|^OK/m);

      const keyedOnlyByK1 = await verify(db, KEY2, keyed.reference);
      expect(keyedOnlyByK1).toMatchObject({ code: 3 });
      expect(keyedOnlyByK1.out).toContain(`UNVERIFIABLE ${keyed.reference}: events 1–3 and the concern record's seal cannot be verified: key k1 is not configured`);
      // Unkeyed chronologies need no key.
      expect(await verify(db, KEY2, legacy.reference)).toMatchObject({ code: 0 });
    });

    it('still reports a broken chronology as broken when another key is missing', async () => {
      const result = await verify(db, KEY2);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/^FAILED: \d+ of 8 concern chronologies are broken; \d+ cannot be verified \(key k1 is not configured\)\.$/m);
    });
  });
});
