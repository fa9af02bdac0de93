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
  beforeAll(async () => {
    const db = await openStore({ dataDir: env.DATA_DIR });
    const h = await startHarness({ db, connector: { rateLimits: false } });
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { category: 'online-bullying', about: 'pupil', pupils: 'Old Record', whatHappened: 'A concern from long ago, now closed.', occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId: '00000000-0000-4000-8000-0000000007c1' });
    reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0];
    await h.stop();
    // Test set-up: the record is 26 years old and closed.
    await db.query("UPDATE concerns SET created_at = now() - interval '26 years', status = 'closed' WHERE reference = $1", [reference]);
    await db.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports first with --dry-run, then purges and records the purge', async () => {
    const dry = sink();
    expect(await runCli(['retention', '--dry-run'], env, dry.stream, sink().stream)).toBe(0);
    expect(dry.text()).toContain(`closed: 1 (${reference})`);
    expect(dry.text()).toContain('Dry run: nothing was purged.');
    expect(dry.text()).not.toContain('Old Record');

    const run = sink();
    expect(await runCli(['retention'], env, run.stream, sink().stream)).toBe(0);
    expect(run.text()).toContain(`Purged for tenant ${SCHOOL.tenantId}: 1 concerns`);

    const db = await openStore({ dataDir: env.DATA_DIR });
    try {
      expect(await db.query('SELECT record_kind, record_ref FROM retention_purges')).toEqual([{ record_kind: 'concern', record_ref: reference }]);
      expect(await db.query('SELECT 1 FROM concerns WHERE reference = $1', [reference])).toEqual([]);
    } finally {
      await db.close();
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
