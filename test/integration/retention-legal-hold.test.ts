import { randomUUID } from 'node:crypto';
import { retentionCommand } from '../../src/cli/retention';
import { verifyChronologyCommand } from '../../src/cli/verify-chronology';
import { applyRetention, planRetention } from '../../src/jobs/retention';
import { placeLegalHold } from '../../src/services/legal-hold';
import { ConcernRepository } from '../../src/store/concern.repo';
import type { Db } from '../../src/store/db';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { upsertTenant } from '../../src/store/tenant.repo';
import { reportAndTriage } from '../support/chronology-fixtures';
import { runCliCommand } from '../support/run-cli-command';
import { createTestDb, storeKind } from '../support/test-db';

// A school told not to destroy records (an inquiry's instruction, litigation, a police request)
// places a legal hold: the concern is never purged while it is in force, the dry run says so, and
// placing or releasing it is written in the concern's chronology.

const TENANT = randomUUID();
const KEYS = `k1:${Buffer.alloc(32, 0x41).toString('base64')}`;
const ENV = { ENCRYPTION_KEYS: KEYS, LOG_LEVEL: 'silent' };
const DEFAULTS = { concernYears: 25, aupYears: 6, auditFindingsDays: 365 };

describe(`jigsaw retention: legal holds (${storeKind()})`, () => {
  let db: Db;
  let concerns: ConcernRepository;
  let n = 0;
  const retention = (...args: string[]) => runCliCommand(retentionCommand, args, db, ENV);
  const codeOf = (text: string) => /--approve ([0-9a-f]{12})/.exec(text)?.[1] ?? '';
  const exists = async (reference: string) => (await db.query('SELECT 1 FROM concerns WHERE tenant_id = $1 AND reference = $2', [TENANT, reference])).length === 1;
  const eventTypes = async (reference: string) =>
    (await db.query<{ event_type: string }>('SELECT e.event_type FROM concern_events e JOIN concerns c USING (tenant_id, concern_id) WHERE c.tenant_id = $1 AND c.reference = $2 ORDER BY e.seq', [TENANT, reference])).map((r) => r.event_type);
  /** A concern recorded 26 years ago and closed: due for the purge (test set-up, not a product path). */
  async function dueConcern(): Promise<{ concernId: string; reference: string }> {
    n++;
    const c = await reportAndTriage({ db, concerns }, { tenantId: TENANT, reporter: { aadObjectId: 'r-1', name: 'Sam Teacher' }, dsl: { aadObjectId: 'd-1', name: 'Dana Lead' } }, n);
    await db.query("UPDATE concerns SET created_at = now() - interval '26 years', status = 'closed' WHERE tenant_id = $1 AND concern_id = $2::uuid", [TENANT, c.concernId]);
    return c;
  }

  beforeAll(async () => {
    db = await createTestDb();
    concerns = new ConcernRepository(NarrativeCipher.fromConfig(KEYS));
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Legal Hold Primary', timeZone: 'Europe/London' });
  });
  afterAll(() => db.close());

  it('refuses a bad reference, an unknown one, or a missing reason or name, saying what to fix and changing nothing', async () => {
    const a = await dueConcern();
    const before = await eventTypes(a.reference);
    const attempts: [string[], string][] = [
      [['--hold', 'nope', '--reason', 'IICSA instruction', '--by', 'Dana Lead'], '"nope" is not a concern reference: give it as the card shows it, like C-2026-00042.'],
      [['--hold', 'C-2026-99999', '--reason', 'IICSA instruction', '--by', 'Dana Lead'], `No concern C-2026-99999 is recorded for tenant ${TENANT}`],
      [['--hold', a.reference, '--by', 'Dana Lead'], `--hold ${a.reference} needs --reason "…"`],
      [['--hold', a.reference, '--reason', '   ', '--by', 'Dana Lead'], `--hold ${a.reference} needs --reason "…"`],
      [['--hold', a.reference, '--reason', 'IICSA instruction'], `--hold ${a.reference} needs --by "name"`],
      [['--release', a.reference, '--reason', 'Inquiry over', '--by', 'Dana Lead'], `${a.reference} is not on legal hold of its own`],
      [['--hold', a.reference, '--reason', 'IICSA instruction', '--by', 'Dana Lead', '--dry-run'], 'A legal hold is placed or released on its own'],
      [['--dry-run', '--reason', 'why'], '--reason and --by go with --hold'],
    ];
    for (const [args, message] of attempts) {
      const r = await retention(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(message);
      expect(r.err).toContain('Nothing was changed.');
      expect(r.err).not.toMatch(/ at .*\.ts|constraint|violates/);
    }
    expect(await db.query('SELECT 1 FROM legal_holds')).toEqual([]);
    expect(await eventTypes(a.reference)).toEqual(before);
    // Clean up for the next test: the purge takes it.
    const dry = await retention('--dry-run');
    expect((await retention('--approve', codeOf(dry.out))).code).toBe(0);
  });

  it('a held concern is not purged even when due; the dry run names the hold; release makes it due again, under a new code only', async () => {
    const held = await dueConcern();
    const other = await dueConcern();
    const first = await retention('--dry-run');
    expect(first.out).toContain(`closed: 2 (${held.reference}, ${other.reference})`);

    const placed = await retention('--hold', held.reference.toLowerCase(), '--reason', 'IICSA retention instruction', '--by', 'Dana Lead (DSL)');
    expect(placed).toMatchObject({ code: 0, err: '' });
    expect(placed.out).toContain(`${held.reference} is now on legal hold`);
    expect((await eventTypes(held.reference)).at(-1)).toBe('legal-hold-placed');
    const events = await concerns.listEvents(db, TENANT, held.concernId);
    expect(events.at(-1)).toMatchObject({ type: 'legal-hold-placed', actor: { name: 'Dana Lead (DSL)' }, details: { reason: 'IICSA retention instruction' } });
    const again = await retention('--hold', held.reference, '--reason', 'Litigation', '--by', 'Dana Lead');
    expect(again.code).toBe(2);
    expect(again.err).toContain(`${held.reference} is already on legal hold (IICSA retention instruction; since `);

    // The approval given before the hold no longer matches: nothing is purged.
    const stale = await retention('--approve', codeOf(first.out));
    expect(stale.code).toBe(2);
    expect(await exists(held.reference)).toBe(true);
    expect(await exists(other.reference)).toBe(true);

    const dry = await retention('--dry-run');
    const today = new Date().toISOString().slice(0, 10);
    expect(dry.out).toContain(`closed: 1 (${other.reference})`);
    expect(dry.out).toContain(`on legal hold, never purged until released: ${held.reference} (IICSA retention instruction; since ${today}; by Dana Lead (DSL))`);
    expect((await retention('--approve', codeOf(dry.out))).code).toBe(0);
    expect(await exists(held.reference)).toBe(true);
    expect(await exists(other.reference)).toBe(false);

    // Released: due again, but only under the code of a new dry run.
    const whileHeld = await retention('--dry-run');
    const released = await retention('--release', held.reference, '--reason', 'Inquiry closed its instruction', '--by', 'Dana Lead (DSL)');
    expect(released).toMatchObject({ code: 0, err: '' });
    expect((await eventTypes(held.reference)).at(-1)).toBe('legal-hold-released');
    const verified = await runCliCommand(verifyChronologyCommand, ['--tenant', TENANT], db, ENV);
    expect(verified.out).toContain(`OK ${held.reference}: 5 events, fully keyed`);
    expect(verified.code).toBe(0);
    const refused = await retention('--approve', codeOf(whileHeld.out));
    expect(refused.code).toBe(2);
    expect(await exists(held.reference)).toBe(true);
    const after = await retention('--dry-run');
    expect(after.out).toContain(`closed: 1 (${held.reference})`);
    expect(after.out).not.toContain('on legal hold');
    expect((await retention('--approve', codeOf(after.out))).code).toBe(0);
    expect(await exists(held.reference)).toBe(false);
    // The hold's history outlives the record: who placed and released it, when and why.
    expect(await db.query('SELECT reference, reason, placed_by, released_by, release_reason FROM legal_holds WHERE tenant_id = $1', [TENANT])).toEqual([
      { reference: held.reference, reason: 'IICSA retention instruction', placed_by: 'Dana Lead (DSL)', released_by: 'Dana Lead (DSL)', release_reason: 'Inquiry closed its instruction' },
    ]);
  });

  it('a hold placed after the plan was made still stops its purge (the purge re-checks under the lock)', async () => {
    const c = await dueConcern();
    const plan = await planRetention(db, DEFAULTS, new Date(), { tenantId: TENANT });
    expect(plan.tenants[0]!.concerns.map((x) => x.reference)).toEqual([c.reference]);
    await placeLegalHold({ db, concerns, now: () => new Date() }, { tenantId: TENANT, reference: c.reference, reason: 'Police request', actor: { aadObjectId: 'cli:test', name: 'Dana Lead' } });
    const result = await applyRetention(db, plan, { purgedBy: 'test', now: new Date() });
    expect(result.purged[0]).toMatchObject({ concerns: 0 });
    expect(await exists(c.reference)).toBe(true);
    expect((await retention('--release', c.reference, '--reason', 'Police done', '--by', 'Dana Lead')).code).toBe(0);
  });

  it('a tenant-wide hold (--hold-all) keeps every concern of the school until --release-all', async () => {
    const c = await dueConcern();
    const plan = await planRetention(db, DEFAULTS, new Date(), { tenantId: TENANT });
    const placed = await retention('--hold-all', '--reason', 'IICSA: do not destroy records about children', '--by', 'Pat Head (headteacher)');
    expect(placed.code).toBe(0);
    expect(placed.out).toContain(`every concern of tenant ${TENANT} is now on legal hold`);
    const twice = await retention('--hold-all', '--reason', 'again', '--by', 'Pat Head');
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('is already on legal hold (IICSA: do not destroy records about children;');

    const dry = await retention('--dry-run');
    expect(dry.out).toContain('concerns recorded before');
    expect(dry.out).toContain('and closed: 0');
    expect(dry.out).toContain('every concern of this school is on legal hold (IICSA: do not destroy records about children; since');
    expect((await retention('--approve', codeOf(dry.out))).code).toBe(0);
    // A plan made before the hold does not get past it either.
    await applyRetention(db, plan, { purgedBy: 'test', now: new Date() });
    expect(await exists(c.reference)).toBe(true);

    expect((await retention('--release-all', '--reason', 'Instruction withdrawn', '--by', 'Pat Head (headteacher)')).code).toBe(0);
    const none = await retention('--release-all', '--reason', 'Instruction withdrawn', '--by', 'Pat Head');
    expect(none.code).toBe(2);
    expect(none.err).toContain(`every concern of tenant ${TENANT} is not on legal hold`);
    const after = await retention('--dry-run');
    expect(after.out).toMatch(new RegExp(`and closed: \\d+ \\([^)]*${c.reference}`));
    expect(after.out).not.toContain('on legal hold');
  });
});
