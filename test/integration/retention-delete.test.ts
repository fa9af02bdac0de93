import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retentionCommand } from '../../src/cli/retention';
import { verifyChronologyCommand } from '../../src/cli/verify-chronology';
import { submitConcernReport } from '../../src/services/report-concern';
import { ConcernRepository } from '../../src/store/concern.repo';
import type { Db } from '../../src/store/db';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import { reportAndTriage } from '../support/chronology-fixtures';
import { runCliCommand } from '../support/run-cli-command';
import { createTestDb, storeKind } from '../support/test-db';

// A concern about an adult is never purged by retention, but some must go: KCSIE says a malicious
// allegation is removed from the person's records. `jigsaw retention --delete REF` shows what it
// would delete and a code; with `--approve CODE` it deletes, keeping a tombstone without content.

const TENANT = randomUUID();
const KEYS = `k1:${Buffer.alloc(32, 0x44).toString('base64')}`;
const ENV = { ENCRYPTION_KEYS: KEYS, LOG_LEVEL: 'silent' };
const REASON = 'Allegation found malicious (case manager, on the LADO\'s advice)';

describe(`jigsaw retention --delete (${storeKind()})`, () => {
  let db: Db;
  let concerns: ConcernRepository;
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-delete-'));
  const retention = (...args: string[]) => runCliCommand(retentionCommand, args, db, ENV);
  const verify = (...args: string[]) => runCliCommand(verifyChronologyCommand, ['--tenant', TENANT, ...args], db, ENV);
  const codeOf = (text: string) => /--approve ([0-9a-f]{12})/.exec(text)?.[1] ?? '';
  const rows = async (table: string, concernId: string) => (await db.query(`SELECT 1 FROM ${table} WHERE tenant_id = $1 AND concern_id = $2::uuid`, [TENANT, concernId])).length;
  async function adultConcern(status: 'closed' | 'new'): Promise<{ concernId: string; reference: string }> {
    const outcome = await submitConcernReport(
      { db, concerns, now: () => new Date() },
      {
        tenantId: TENANT,
        timeZone: 'Europe/London',
        reporter: { aadObjectId: 'r-1', name: 'Sam Teacher' },
        raw: { about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr Q. Caretaker', whatHappened: 'An allegation about a member of staff.', occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard' },
      },
    );
    if (outcome.kind !== 'accepted') throw new Error('report refused');
    // Test set-up: the case was closed (outcome recorded by the case manager).
    if (status === 'closed') await db.query("UPDATE concerns SET status = 'closed' WHERE tenant_id = $1 AND concern_id = $2::uuid", [TENANT, outcome.concern.concernId]);
    return outcome.concern;
  }

  beforeAll(async () => {
    db = await createTestDb();
    concerns = new ConcernRepository(NarrativeCipher.fromConfig(KEYS));
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Deletion Primary', timeZone: 'Europe/London' });
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses what it may not delete, saying why, and deletes nothing', async () => {
    const pupil = await reportAndTriage({ db, concerns }, { tenantId: TENANT, reporter: { aadObjectId: 'r-1', name: 'Sam Teacher' }, dsl: { aadObjectId: 'd-1', name: 'Dana Lead' } }, 1);
    const open = await adultConcern('new');
    const held = await adultConcern('closed');
    expect((await retention('--hold', held.reference, '--reason', 'Employment tribunal', '--by', 'Pat Head')).code).toBe(0);
    const attempts: [string[], string][] = [
      [['--delete', pupil.reference, '--reason', REASON, '--by', 'Pat Head'], `${pupil.reference} is a concern about a pupil: those are deleted only by the retention purge`],
      [['--delete', open.reference, '--reason', REASON, '--by', 'Pat Head'], `${open.reference} is new: close it first, with its outcome, then delete it.`],
      [['--delete', held.reference, '--reason', REASON, '--by', 'Pat Head'], `${held.reference} is on legal hold (Employment tribunal; since `],
      [['--delete', held.reference, '--by', 'Pat Head'], `--delete ${held.reference} needs --reason "…"`],
      [['--delete', held.reference, '--reason', REASON], `--delete ${held.reference} needs --by "name"`],
      [['--delete', 'C-26-1', '--reason', REASON, '--by', 'Pat Head'], '"C-26-1" is not a concern reference'],
      [['--delete', 'C-2026-99999', '--reason', REASON, '--by', 'Pat Head'], 'No concern C-2026-99999 is recorded'],
      [['--delete', held.reference, '--reason', REASON, '--by', 'Pat Head', '--dry-run'], '--delete runs on its own'],
    ];
    for (const [args, message] of attempts) {
      const r = await retention(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(message);
      expect(r.err).not.toMatch(/ at .*\.ts|constraint|violates/);
    }
    // Even with the code it would have had before the hold: the hold is checked when deleting.
    expect((await retention('--release', held.reference, '--reason', 'Tribunal over', '--by', 'Pat Head')).code).toBe(0);
    const code = codeOf((await retention('--delete', held.reference, '--reason', REASON, '--by', 'Pat Head')).out);
    expect((await retention('--hold', held.reference, '--reason', 'Tribunal appeal', '--by', 'Pat Head')).code).toBe(0);
    const refused = await retention('--delete', held.reference, '--reason', REASON, '--by', 'Pat Head', '--approve', code);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('is on legal hold (Tribunal appeal;');
    for (const c of [pupil, open, held]) expect(await rows('concerns', c.concernId)).toBe(1);
    expect(await db.query('SELECT 1 FROM concern_deletions')).toEqual([]);
  });

  it('shows, then deletes with the code: concern, chronology and key gone, a tombstone kept, the chronology checks still pass', async () => {
    const c = await adultConcern('closed');
    const checkpoint = join(dir, 'before.json');
    expect((await verify('--write-checkpoint', checkpoint)).code).toBe(0);

    const preview = await retention('--delete', c.reference.toLowerCase(), '--reason', REASON, '--by', 'Pat Head (headteacher)');
    expect(preview).toMatchObject({ code: 0, err: '' });
    expect(preview.out).toContain(`Would delete concern ${c.reference} (about an adult, closed, recorded `);
    expect(preview.out).toContain('Nothing was deleted.');
    expect(preview.out).not.toContain('Caretaker');
    const code = codeOf(preview.out);
    expect(code).not.toBe('');
    expect(await rows('concerns', c.concernId)).toBe(1);

    // A wrong code, or the code with another reason, deletes nothing.
    const wrong = await retention('--delete', c.reference, '--reason', REASON, '--by', 'Pat Head (headteacher)', '--approve', '000000000000');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain(`The code 000000000000 is not the one for deleting ${c.reference}`);
    expect((await retention('--delete', c.reference, '--reason', 'Other reason', '--by', 'Pat Head (headteacher)', '--approve', code)).code).toBe(2);
    expect(await rows('concerns', c.concernId)).toBe(1);

    const done = await retention('--delete', c.reference, '--reason', REASON, '--by', 'Pat Head (headteacher)', '--approve', code);
    expect(done).toMatchObject({ code: 0, err: '' });
    expect(done.out).toContain(`Deleted concern ${c.reference}`);
    for (const table of ['concerns', 'concern_events', 'concern_keys']) expect({ table, n: await rows(table, c.concernId) }).toEqual({ table, n: 0 });
    const tombstones = await db.query<Record<string, unknown>>('SELECT reference, about, reason, deleted_by FROM concern_deletions WHERE tenant_id = $1', [TENANT]);
    expect(tombstones).toEqual([{ reference: c.reference, about: 'adult', reason: REASON, deleted_by: 'Pat Head (headteacher)' }]);
    expect(JSON.stringify(await db.query('SELECT * FROM concern_deletions'))).not.toMatch(/Caretaker|allegation about a member/);

    const after = await verify();
    expect(after.code).toBe(0);
    const against = await verify('--against', checkpoint);
    expect(against.out).toContain(`DELETED ${c.reference}: deleted by hand on `);
    expect(against.out).toContain('CHECKPOINT HELD');
    expect(against.out).toContain('; 1 deleted by hand');
    expect(against.code).toBe(0);
  });
});
