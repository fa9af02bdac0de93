import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { REPORT_VERBS } from '../../src/cards/report-card';
import { runCli } from '../../src/cli';
import { openStore } from '../../src/store/open-store';
import { cardText } from '../support/card-validation';
import { PEOPLE, SCHOOL, startHarness, TEST_ENCRYPTION_KEYS } from '../support/harness';

/**
 * `jigsaw export-pupil` end to end: reports made through the bot into a PGlite folder, then the
 * CLI (its own process-like run: config from the environment, its own store) exports them.
 * PGlite in both projects: the CLI opens the store the environment names.
 */
function sink() {
  let text = '';
  const stream = new Writable({ write(chunk, _e, done) { text += chunk.toString(); done(); } });
  return { stream, text: () => text };
}

describe('subject access export (jigsaw export-pupil)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-sar-'));
  const env = { DATA_DIR: join(dir, 'data'), ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, LOG_LEVEL: 'silent' };
  const references: string[] = [];
  beforeAll(async () => {
    const db = await openStore({ dataDir: env.DATA_DIR });
    const h = await startHarness({ db, connector: { rateLimits: false } });
    const reports = [
      { pupils: 'Amélia Okonkwo (6B)', whatHappened: 'First concern about Amelia, with the child\'s words.', childWords: 'I do not want to go home.' },
      { pupils: 'Jay Patel\nOKONKWO Amelia', whatHappened: 'Second concern naming Amelia among others.' },
      { pupils: 'Someone Else', whatHappened: 'A concern about another pupil entirely.' },
    ];
    for (const [i, r] of reports.entries()) {
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { category: 'online-bullying', about: 'pupil', occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId: `00000000-0000-4000-8000-0000000005a${i}`, ...r });
      references.push(/C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0]);
    }
    await h.stop();
    await db.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports every concern naming the pupil (any spelling of the name), decrypted, with its chronology, and logs the access', async () => {
    const out = sink();
    const err = sink();
    const file = join(dir, 'amelia.json');
    const code = await runCli(['export-pupil', '--pupil', 'amelia okonkwo', '--out', file], env, out.stream as never, err.stream as never);
    expect({ code, err: err.text() }).toEqual({ code: 0, err: expect.stringContaining('Wrote 2 concern(s)') });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data.pupil.key).toBe('name:amelia okonkwo');
    expect(data.concerns.map((c: { reference: string }) => c.reference)).toEqual(references.slice(0, 2));
    expect(data.concerns[0]).toMatchObject({ whatHappened: 'First concern about Amelia, with the child\'s words.', childWords: 'I do not want to go home.', pupils: ['Amélia Okonkwo (6B)'], tenantId: SCHOOL.tenantId });
    expect(data.concerns[0].chronology[0]).toMatchObject({ seq: 1 });
    expect(JSON.stringify(data)).not.toContain('another pupil entirely');

    const db = await openStore({ dataDir: env.DATA_DIR });
    try {
      const logged = await db.query("SELECT count(*)::int AS n FROM access_log WHERE verb = 'subject-access.export'");
      expect(logged).toEqual([{ n: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('refuses to overwrite an existing file, and answers 1 when nothing matches', async () => {
    const file = join(dir, 'amelia.json');
    const err = sink();
    expect(await runCli(['export-pupil', '--pupil', 'Amelia Okonkwo', '--out', file], env, sink().stream as never, err.stream as never)).toBe(1);
    expect(err.text()).toContain('already exists: an export never overwrites a file. Choose another --out path.');
    expect(await runCli(['export-pupil', '--pupil', 'Nobody Known'], env, sink().stream as never, sink().stream as never)).toBe(1);
    expect(await runCli(['export-pupil'], env, sink().stream as never, sink().stream as never)).toBe(2);
  });
});
