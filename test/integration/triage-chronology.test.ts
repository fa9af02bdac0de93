import { verifyChronologyCommand } from '../../src/cli/verify-chronology';
import { rotateKeyCommand } from '../../src/cli/rotate-key';
import type { Db } from '../../src/store/db';
import { ConcernRepository } from '../../src/store/concern.repo';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import { submitConcernReport } from '../../src/services/report-concern';
import { applyTriageAction } from '../../src/services/triage-concern';
import { countKeysByMasterKey } from '../../src/store/concern-key.repo';
import { runCliCommand } from '../support/run-cli-command';
import { createTestDb, storeKind } from '../support/test-db';

const TENANT = '6f1c2b3a-0000-4000-8000-0000000000c1';
const KEY1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
const reporter = { aadObjectId: 'aaaaaaaa-0000-4000-8000-00000000000a', name: 'Sam Teacher' };
const dsl = { aadObjectId: 'bbbbbbbb-0000-4000-8000-00000000000b', name: 'Dana Lead' };

const runCommand = (command: typeof verifyChronologyCommand, args: string[], db: Db, env: Record<string, string> = {}) => runCliCommand(command, args, db, { ENCRYPTION_KEYS: KEY1, ...env });

describe(`chronology integrity and key rotation (${storeKind()})`, () => {
  let db: Db;
  const concerns = new ConcernRepository(NarrativeCipher.fromConfig(KEY1));
  const refs: { reference: string; concernId: string }[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Avenue House', timeZone: 'Europe/London' });
    const now = () => new Date();
    for (let i = 0; i < 4; i++) {
      const outcome = await submitConcernReport(
        { db, concerns, now },
        {
          tenantId: TENANT,
          timeZone: 'Europe/London',
          reporter,
          raw: { about: 'pupil', category: 'online-bullying', pupils: `Pupil ${i}`, whatHappened: `Messages in a group chat, case ${i}.`, occurredOn: '2026-11-20', location: 'Online', urgency: 'standard' },
        },
      );
      if (outcome.kind !== 'accepted') throw new Error('report refused');
      const c = outcome.concern;
      refs.push({ reference: c.reference, concernId: c.concernId });
      const deps = { db, concerns, now, patterns: { threshold: 3, windowDays: 30 } };
      await applyTriageAction(deps, { tenantId: TENANT, concernId: c.concernId, actor: dsl, command: { kind: 'take-ownership' }, actionId: crypto.randomUUID(), verb: 'concern.take-ownership' });
      await applyTriageAction(deps, { tenantId: TENANT, concernId: c.concernId, actor: dsl, command: { kind: 'add-note', note: `Note ${i}` }, actionId: crypto.randomUUID(), verb: 'concern.add-note' });
    }
  });
  afterAll(() => db.close());

  it('refuses to change or delete a chronology event in the database itself', async () => {
    await expect(db.query(`UPDATE concern_events SET event_type = 'x' WHERE concern_id = $1`, [refs[0].concernId])).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM concern_events WHERE concern_id = $1', [refs[0].concernId])).rejects.toThrow(/append-only/);
  });

  it('prints OK when every chain holds', async () => {
    const result = await runCommand(verifyChronologyCommand, [], db);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^OK: 4 concern chronologies, 12 events, every hash chain intact; 4 fully keyed\.$/m);
    const one = await runCommand(verifyChronologyCommand, ['--concern', refs[1].reference.toLowerCase()], db);
    expect(one).toMatchObject({ code: 0, out: `OK ${refs[1].reference}: 3 events, fully keyed\nOK: 1 concern chronology, 3 events, every hash chain intact; 1 fully keyed.\n` });
    expect((await runCommand(verifyChronologyCommand, ['--concern', 'C-1999-00001'], db)).code).toBe(2);
    expect((await runCommand(verifyChronologyCommand, ['--bogus'], db)).code).toBe(2);
  });

  it('detects a modified event and a deleted one, naming the first broken link', async () => {
    // An attacker with database access switches the protection off first.
    await db.exec('ALTER TABLE concern_events DISABLE TRIGGER USER');
    try {
      const [note] = await db.query<{ details_enc: string }>('SELECT details_enc FROM concern_events WHERE concern_id = $1 AND seq = 3', [refs[2].concernId]);
      await db.query('UPDATE concern_events SET details_enc = $2 WHERE concern_id = $1 AND seq = 2', [refs[0].concernId, note.details_enc]);
      await db.query('DELETE FROM concern_events WHERE concern_id = $1 AND seq = 2', [refs[1].concernId]);
      await db.query('DELETE FROM concern_events WHERE concern_id = $1 AND seq = 3', [refs[3].concernId]);
    } finally {
      await db.exec('ALTER TABLE concern_events ENABLE TRIGGER USER');
    }
    const result = await runCommand(verifyChronologyCommand, [], db);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`BROKEN ${refs[0].reference}: event 2 was modified after it was written (first broken link: event 2)`);
    expect(result.out).toContain(`BROKEN ${refs[1].reference}: event 2 is missing (first broken link: event 2)`);
    expect(result.out).toContain(`BROKEN ${refs[3].reference}: event 3 is missing (the concern records 3)`);
    expect(result.out).toContain(`OK ${refs[2].reference}: 3 events, fully keyed`);
    expect(result.out).not.toContain(`BROKEN ${refs[2].reference}`);
    expect(result.out).toContain('FAILED: 3 of 4 concern chronologies are broken.');
    const single = await runCommand(verifyChronologyCommand, ['--concern', refs[2].reference], db);
    expect(single.code).toBe(0);
  });

  it('rotate-key re-wraps every data key under the new master key; the narrative stays readable', async () => {
    expect(await countKeysByMasterKey(db)).toEqual({ k1: 4 });
    const dry = await runCommand(rotateKeyCommand, ['--dry-run'], db, { ENCRYPTION_KEYS: `${KEY1},${KEY2}` });
    expect(dry.out).toContain('Would re-wrap 4 data key(s) under master key "k2"');
    expect(await countKeysByMasterKey(db)).toEqual({ k1: 4 });
    const result = await runCommand(rotateKeyCommand, [], db, { ENCRYPTION_KEYS: `${KEY1},${KEY2}` });
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain('Re-wrapped 4 data key(s) under master key "k2"');
    expect(result.out).toContain('Data keys by master key: k2: 4.');
    // Only the new master key is needed to read them (verifying the chronology still needs k1:
    // chronology-keyed.test.ts).
    const rotated = new ConcernRepository(NarrativeCipher.fromConfig(KEY2));
    const concern = await rotated.get(db, TENANT, refs[2].concernId);
    expect(concern?.whatHappened).toBe('Messages in a group chat, case 2.');
    const events = await rotated.listEvents(db, TENANT, refs[2].concernId);
    expect(events.map((e) => e.details.note).filter(Boolean)).toEqual(['Note 2']);
    // Running it again has nothing to do.
    expect((await runCommand(rotateKeyCommand, [], db, { ENCRYPTION_KEYS: `${KEY1},${KEY2}` })).out).toContain('Re-wrapped 0 data key(s)');
  });
});
