import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCommand } from '../support/run-cli-command';
import { verifyChronologyCommand } from '../../src/cli/verify-chronology';
import type { Db } from '../../src/store/db';
import { ConcernRepository } from '../../src/store/concern.repo';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import type { TriageCommand } from '../../src/domain/concerns/triage';
import { applyRetention, planRetention } from '../../src/jobs/retention';
import { createTestDb, storeKind } from '../support/test-db';
import { reportAndTriage as reportAndTriageWith, triageAs } from '../support/chronology-fixtures';
import { asDatabaseOwner, rehashWithSha256 } from '../support/database-owner';

// The external anchor (docs/admin-guide.md, "Checking the chronology"): what the keyed chain
// cannot show on its own (security.md threat 12, limits c and d) a checkpoint kept outside the
// database shows. Each case is played by a database owner without the master key.

const TENANT = '6f1c2b3a-0000-4000-8000-0000000000e1';
const KEYS = `k1:${Buffer.alloc(32, 0x41).toString('base64')}`;
const reporter = { aadObjectId: 'aaaaaaaa-0000-4000-8000-0000000000e1', name: 'Sam Teacher' };
const dsl = { aadObjectId: 'bbbbbbbb-0000-4000-8000-0000000000e2', name: 'Dana Lead' };

describe(`chronology checkpoints (${storeKind()})`, () => {
  let db: Db;
  let dir: string;
  const concerns = new ConcernRepository(NarrativeCipher.fromConfig(KEYS));
  const verify = (...args: string[]) => runCliCommand(verifyChronologyCommand, [...args, '--tenant', TENANT], db, { ENCRYPTION_KEYS: KEYS });
  const triage = (concernId: string, command: TriageCommand) => triageAs({ db, concerns }, TENANT, dsl, concernId, command);
  /** A concern reported and triaged: three keyed events. */
  const reportAndTriage = (n: number) => reportAndTriageWith({ db, concerns }, { tenantId: TENANT, reporter, dsl }, n);

  let rewritten: { concernId: string; reference: string };
  let restored: { concernId: string; reference: string };
  let deleted: { concernId: string; reference: string };
  let purged: { concernId: string; reference: string };
  let grown: { concernId: string; reference: string };
  let untouched: { concernId: string; reference: string };
  let checkpointFile: string;
  let digest: string;
  /** The restored concern's row before its fourth event: what a backup would bring back. */
  let rowBefore: Record<string, unknown>;

  beforeAll(async () => {
    db = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'jigsaw-checkpoint-'));
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'The Croft', timeZone: 'Europe/London' });
    [rewritten, restored, deleted, purged, grown, untouched] = [await reportAndTriage(1), await reportAndTriage(2), await reportAndTriage(3), await reportAndTriage(4), await reportAndTriage(5), await reportAndTriage(6)];
    [rowBefore] = await db.query('SELECT event_count, head_hash, head_key_id, head_tag FROM concerns WHERE concern_id = $1', [restored.concernId]);
    await triage(restored.concernId, { kind: 'add-note', note: 'Spoke to the family' });
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a checkpoint of every chronology that verifies: references and hashes only, readable by its owner only, never over an earlier one', async () => {
    checkpointFile = join(dir, 'autumn-term.json');
    const result = await verify('--write-checkpoint', checkpointFile);
    expect(result.code).toBe(0);
    const written = JSON.parse(readFileSync(checkpointFile, 'utf8'));
    digest = written.digest;
    expect(result.out).toContain(`Checkpoint written to ${checkpointFile}: 6 concern chronologies anchored; digest ${digest}.`);
    expect(written).toMatchObject({ format: 'jigsaw-chronology-checkpoint', version: 1, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(written.concerns).toHaveLength(6);
    expect(written.concerns.find((c: { reference: string }) => c.reference === restored.reference)).toMatchObject({ tenantId: TENANT, concernId: restored.concernId, events: 4 });
    const text = readFileSync(checkpointFile, 'utf8');
    for (const personal of ['Sam Teacher', 'Dana Lead', 'Pupil 1', 'group chat', 'Spoke to']) expect(text).not.toContain(personal);
    expect(statSync(checkpointFile).mode & 0o077).toBe(0);

    const again = await verify('--write-checkpoint', checkpointFile);
    expect(again).toMatchObject({ code: 2, err: `${checkpointFile} already exists: give a new file name (keep earlier checkpoints).\n` });
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8')).digest).toBe(digest);
  });

  it('holds while nothing anchored changed: events added since are allowed', async () => {
    await triage(grown.concernId, { kind: 'add-note', note: 'A later note' });
    const result = await verify('--against', checkpointFile);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Checkpoint ${checkpointFile}, written ${JSON.parse(readFileSync(checkpointFile, 'utf8')).writtenAt}, digest ${digest}`);
    expect(result.out).toContain('CHECKPOINT HELD: every anchored event of 6 concern chronologies is still there, unchanged (1 event added since).');
  });

  describe('a database owner without the master key', () => {
    beforeAll(async () => {
      await asDatabaseOwner(db, async () => {
        // (c) a keyed chronology rewritten from its first event as version 1, its seal removed.
        await db.query("UPDATE concern_events SET actor_name = 'Somebody Else', hash_version = NULL, hash_key_id = NULL WHERE concern_id = $1", [rewritten.concernId]);
        await rehashWithSha256(db, rewritten.concernId, 1);
        await db.query('UPDATE concerns SET head_key_id = NULL, head_tag = NULL WHERE concern_id = $1', [rewritten.concernId]);
        // (d) an earlier state put back, as restoring a backup does: event, row and seal together.
        await db.query('DELETE FROM concern_events WHERE concern_id = $1 AND seq = 4', [restored.concernId]);
        await db.query('UPDATE concerns SET event_count = $2, head_hash = $3, head_key_id = $4, head_tag = $5 WHERE concern_id = $1', [
          restored.concernId,
          rowBefore.event_count,
          rowBefore.head_hash,
          rowBefore.head_key_id,
          rowBefore.head_tag,
        ]);
        // (d) a whole concern deleted, outside the retention purge.
        const children = await db.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.columns WHERE column_name = 'concern_id' AND table_schema = current_schema() AND table_name <> 'concerns'",
        );
        for (const { table_name } of children) await db.query(`DELETE FROM ${table_name} WHERE concern_id = $1`, [deleted.concernId]);
        await db.query('DELETE FROM concerns WHERE concern_id = $1', [deleted.concernId]);
      });
      // The retention purge deleting a closed concern whose period ended: recorded, not a failure.
      await triage(purged.concernId, { kind: 'close', outcome: 'no-further-action', rationale: 'Resolved in class.' });
      const tenYearsOn = new Date(Date.now() + 10 * 365 * 86_400_000);
      const plan = await planRetention(db, { concernYears: 7, aupYears: 7, auditFindingsDays: 365 }, tenYearsOn, { tenantId: TENANT });
      expect(plan.tenants[0].concerns.map((c) => c.reference)).toEqual([purged.reference]);
      await applyRetention(db, plan, { purgedBy: 'test', now: tenYearsOn });
    });

    it('passes the chain check: the limits the checkpoint is for', async () => {
      const result = await verify();
      expect(result.code).toBe(0);
      expect(result.out).toContain(`OK ${rewritten.reference}: 3 events, all unkeyed`);
      expect(result.out).toContain(`OK ${restored.reference}: 3 events, fully keyed`);
      expect(result.out).not.toContain(deleted.reference);
    });

    it('fails against the checkpoint, naming each concern and what happened to it', async () => {
      const result = await verify('--against', checkpointFile);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`CHANGED ${rewritten.reference}: event 3 is not the one anchored: the chronology was rewritten, or an earlier state was restored and added to\n`);
      expect(result.out).toContain(`CHANGED ${restored.reference}: 4 events were anchored, 3 are stored now: the newest were removed, or an earlier state was restored\n`);
      expect(result.out).toContain(`MISSING ${deleted.reference}: anchored, but not in the database, and no retention purge of it is recorded\n`);
      expect(result.out).toMatch(new RegExp(`^PURGED ${purged.reference}: deleted by the retention purge on \\d{4}-\\d{2}-\\d{2}$`, 'm'));
      expect(result.out).not.toMatch(new RegExp(`(CHANGED|MISSING|PURGED) (${grown.reference}|${untouched.reference})`));
      expect(result.out).toContain('CHECKPOINT FAILED: 3 of 6 concern chronologies anchored changed or went missing; 1 purged under retention: treat it as a safeguarding records incident.');
    });

    it('checks one concern against the checkpoint, even one that is gone', async () => {
      const one = await runCliCommand(verifyChronologyCommand, ['--concern', deleted.reference.toLowerCase(), '--against', checkpointFile], db, { ENCRYPTION_KEYS: KEYS });
      expect(one.code).toBe(1);
      expect(one.out).toContain(`MISSING ${deleted.reference}`);
      expect(one.out).toContain('CHECKPOINT FAILED: 1 of 1 concern chronology anchored changed or went missing');
      const fine = await runCliCommand(verifyChronologyCommand, ['--concern', untouched.reference, '--against', checkpointFile], db, { ENCRYPTION_KEYS: KEYS });
      expect(fine.code).toBe(0);
      expect(fine.out).toContain('CHECKPOINT HELD: every anchored event of 1 concern chronology is still there, unchanged (0 events added since).');
    });

    it('refuses a checkpoint file edited to match the database', async () => {
      const edited = JSON.parse(readFileSync(checkpointFile, 'utf8'));
      edited.concerns = edited.concerns.filter((c: { reference: string }) => c.reference !== deleted.reference);
      const editedFile = join(dir, 'edited.json');
      writeFileSync(editedFile, JSON.stringify(edited));
      const result = await verify('--against', editedFile);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`digest ${digest}: compare the digest with the one you wrote down.`);
      expect(result.out).toContain('CHECKPOINT FAILED: the file was changed after it was written (its content does not match its digest).');
    });
  });

  it('says what is wrong with a file that is not a checkpoint, before checking anything', async () => {
    const notJson = join(dir, 'notes.txt');
    writeFileSync(notJson, 'minutes of the meeting');
    expect(await verify('--against', notJson)).toMatchObject({ code: 2, out: '', err: `${notJson} cannot be used as a checkpoint: it is not JSON.\n` });
    expect(await verify('--against', join(dir, 'absent.json'))).toMatchObject({ code: 2, out: '', err: `${join(dir, 'absent.json')} cannot be used as a checkpoint: there is no such file.\n` });
    expect((await verify('--against')).code).toBe(2);
    expect((await verify('--checkpoint', 'x')).err).toContain('Usage: jigsaw verify-chronology');
  });

  it('writes no checkpoint while a chronology is broken', async () => {
    await asDatabaseOwner(db, async () => {
      await db.query("UPDATE concern_events SET actor_name = 'Somebody Else' WHERE concern_id = $1 AND seq = 2", [untouched.concernId]);
    });
    const file = join(dir, 'spring-term.json');
    const result = await verify('--write-checkpoint', file);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`No checkpoint written to ${file}: only chronologies that all verify can be anchored.\n`);
    expect(() => statSync(file)).toThrow();
  });
});
