import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { REPORT_VERBS } from '../../src/cards/report-card';
import { runCli } from '../../src/cli';
import { openStore } from '../../src/store/open-store';
import { cardText } from '../support/card-validation';
import { PEOPLE, SCHOOL, startHarness, TEST_ENCRYPTION_KEYS } from '../support/harness';

/** `jigsaw retention` as an admin runs it: its own store from the environment (a PGlite folder). */
function sink() {
  let text = '';
  return { stream: new Writable({ write(c, _e, done) { text += c.toString(); done(); } }), text: () => text };
}

describe('jigsaw retention (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-retention-'));
  const env = { DATA_DIR: join(dir, 'data'), ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, LOG_LEVEL: 'silent' };
  let reference: string;
  let later: string;
  beforeAll(async () => {
    const db = await openStore({ dataDir: env.DATA_DIR });
    const h = await startHarness({ db, connector: { rateLimits: false } });
    const report = async (pupils: string, submissionId: string) => {
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { category: 'online-bullying', about: 'pupil', pupils, whatHappened: 'A concern from long ago, now closed.', occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId });
      return /C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0];
    };
    reference = await report('Old Record', '00000000-0000-4000-8000-0000000007c1');
    later = await report('Later Record', '00000000-0000-4000-8000-0000000007c2');
    await h.stop();
    // Test set-up: the first record is 26 years old and closed; the second is closed, and recent.
    await db.query("UPDATE concerns SET created_at = now() - interval '26 years', status = 'closed' WHERE reference = $1", [reference]);
    await db.query("UPDATE concerns SET status = 'closed' WHERE reference = $1", [later]);
    await db.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports first with --dry-run, then purges exactly the approved plan and records the purge', async () => {
    const codeOf = (text: string) => /--approve ([0-9a-f]{12})/.exec(text)?.[1] ?? '';
    const dry = sink();
    expect(await runCli(['retention', '--dry-run'], env, dry.stream, sink().stream)).toBe(0);
    expect(dry.text()).toContain(`closed: 1 (${reference})`);
    expect(dry.text()).toContain('Dry run: nothing was purged.');
    expect(dry.text()).not.toContain('Old Record');
    const approved = codeOf(dry.text());
    expect(approved).not.toBe('');

    // Purging without an approved dry run is refused.
    const bare = sink();
    expect(await runCli(['retention'], env, sink().stream, bare.stream)).toBe(2);
    expect(bare.text()).toContain('Purging needs the approval code of a dry run');

    // Another concern falls due after the dry run was approved: the approved code no longer
    // matches, and nothing is deleted, not even what was approved.
    const db = await openStore({ dataDir: env.DATA_DIR });
    await db.query("UPDATE concerns SET created_at = now() - interval '26 years' WHERE reference = $1", [later]);
    await db.close();
    const stale = sink();
    expect(await runCli(['retention', '--approve', approved], env, sink().stream, stale.stream)).toBe(2);
    expect(stale.text()).toContain('The plan is not the one approved');
    const check = await openStore({ dataDir: env.DATA_DIR });
    try {
      expect(await check.query('SELECT 1 FROM concerns WHERE reference = ANY($1::text[])', [[reference, later]])).toHaveLength(2);
      expect(await check.query('SELECT 1 FROM retention_purges')).toEqual([]);
    } finally {
      await check.close();
    }

    // A new dry run lists both; its code purges both.
    const again = sink();
    expect(await runCli(['retention', '--dry-run'], env, again.stream, sink().stream)).toBe(0);
    expect(again.text()).toContain(later);
    const run = sink();
    expect(await runCli(['retention', '--approve', codeOf(again.text())], env, run.stream, sink().stream)).toBe(0);
    expect(run.text()).toContain(`Purged for tenant ${SCHOOL.tenantId}: 2 concerns`);

    const after = await openStore({ dataDir: env.DATA_DIR });
    try {
      expect((await after.query<{ record_ref: string }>("SELECT record_ref FROM retention_purges WHERE record_kind = 'concern' ORDER BY record_ref")).map((r) => r.record_ref)).toEqual([reference, later].sort());
      expect(await after.query('SELECT 1 FROM concerns WHERE reference = ANY($1::text[])', [[reference, later]])).toEqual([]);
    } finally {
      await after.close();
    }
    expect(await runCli(['retention', '--bogus'], env, sink().stream, sink().stream)).toBe(2);
  }, 60_000);

  it('--set refuses a period out of range, or an unknown tenant, saying what to fix and changing nothing', async () => {
    const attempts: [string[], string][] = [
      [['--concern-years', '0'], '--concern-years must be a whole number of years from 1 to 100 (you gave "0")'],
      [['--aup-years', '101'], '--aup-years must be a whole number of years from 1 to 100 (you gave "101")'],
      [['--audit-findings-days', '36501'], '--audit-findings-days must be a whole number of days from 1 to 36500 (you gave "36501")'],
      [['--concern-years', 'six'], '--concern-years must be a whole number of years from 1 to 100 (you gave "six")'],
      [['--concern-years'], '--concern-years must be a whole number of years from 1 to 100. Nothing was changed.'],
    ];
    for (const [flags, message] of attempts) {
      const err = sink();
      expect(await runCli(['retention', '--tenant', SCHOOL.tenantId, '--set', ...flags], env, sink().stream, err.stream)).toBe(2);
      expect(err.text()).toContain(message);
      expect(err.text()).not.toMatch(/constraint|violates|at .*\.ts/);
    }
    const unknown = sink();
    expect(await runCli(['retention', '--tenant', 'no-such-tenant', '--set', '--concern-years', '30'], env, sink().stream, unknown.stream)).toBe(2);
    expect(unknown.text()).toContain('No tenant no-such-tenant is known to Jigsaw');
    // A dry run for a mistyped tenant says so, rather than showing an empty plan as "nothing due".
    for (const mode of [['--dry-run'], ['--approve', 'abcdef012345']]) {
      const out = sink();
      const err = sink();
      expect(await runCli(['retention', ...mode, '--tenant', 'no-such-tenant'], env, out.stream, err.stream)).toBe(2);
      expect(err.text()).toContain('No tenant no-such-tenant is known to Jigsaw');
      expect(out.text()).toBe('');
    }

    const db = await openStore({ dataDir: env.DATA_DIR });
    try {
      expect(await db.query('SELECT 1 FROM retention_policies')).toEqual([]);
    } finally {
      await db.close();
    }
    // Within range it is saved.
    const saved = sink();
    expect(await runCli(['retention', '--tenant', SCHOOL.tenantId, '--set', '--concern-years', '100', '--audit-findings-days', '36500'], env, saved.stream, sink().stream)).toBe(0);
    expect(saved.text()).toContain(`Saved retention periods for tenant ${SCHOOL.tenantId}.`);
  }, 60_000);
});
