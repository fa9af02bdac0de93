import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { REPORT_VERBS } from '../../src/cards/report-card';
import { runCli } from '../../src/cli';
import { openStore } from '../../src/store/open-store';
import { insertTransfer } from '../../src/store/tab-transfers.repo';
import { upsertTenant } from '../../src/store/tenant.repo';
import { PEOPLE, SCHOOL, startHarness, TEST_ENCRYPTION_KEYS } from '../support/harness';

function sink() {
  let text = '';
  const stream = new Writable({ write(chunk, _e, done) { text += chunk.toString(); done(); } });
  return { stream, text: () => text };
}

/** `jigsaw export-pupil`: what else the store holds about the pupil, and an export that is never written. */
describe('subject access export: edges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-sar-edges-'));
  const env = { DATA_DIR: join(dir, 'data'), ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, LOG_LEVEL: 'silent' };
  async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
    const db = await openStore({ dataDir: env.DATA_DIR });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }
  beforeAll(async () => {
    const db = await openStore({ dataDir: env.DATA_DIR });
    const h = await startHarness({ db, connector: { rateLimits: false } });
    await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { category: 'online-bullying', about: 'pupil', occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId: '00000000-0000-4000-8000-0000000005e1', pupils: 'Florence Nightwood', whatHappened: 'A concern about Florence.' });
    // What the tab records when a DSL transfers the pupil's file to a new school (tab-transfers.ts).
    await insertTransfer(db, { tenantId: SCHOOL.tenantId, transferId: '7a0e0b7e-0000-4000-8000-000000000001', pupilKey: 'name:florence nightwood', destinationSchool: 'Riverside High', concernCount: 1, exportedBy: PEOPLE.dsl1.aadObjectId, exportedByName: PEOPLE.dsl1.name, at: new Date('2026-11-21T10:00:00Z') });
    await insertTransfer(db, { tenantId: SCHOOL.tenantId, transferId: '7a0e0b7e-0000-4000-8000-000000000002', pupilKey: 'name:other pupil', destinationSchool: 'Elsewhere School', concernCount: 1, exportedBy: PEOPLE.dsl1.aadObjectId, exportedByName: PEOPLE.dsl1.name, at: new Date('2026-11-21T10:00:00Z') });
    await h.stop();
    await db.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("includes the records of the pupil's file being transferred to a new school (and no one else's)", async () => {
    const out = sink();
    expect(await runCli(['export-pupil', '--pupil', 'Florence Nightwood'], env, out.stream as never, sink().stream as never)).toBe(0);
    const data = JSON.parse(out.text());
    expect(data.fileTransfers).toEqual([
      expect.objectContaining({ tenantId: SCHOOL.tenantId, destinationSchool: 'Riverside High', exportedAt: '2026-11-21T10:00:00.000Z', exportedByName: PEOPLE.dsl1.name, concernCount: 1 }),
    ]);
    expect(out.text()).not.toContain('Elsewhere School');
  });

  it('writes nothing to the access log when the export file cannot be created', async () => {
    const before = await withDb((db) => db.query<{ n: number }>("SELECT count(*)::int AS n FROM access_log WHERE verb = 'subject-access.export'"));
    const file = join(dir, 'exists.json');
    writeFileSync(file, 'someone else\'s file');
    const err = sink();
    expect(await runCli(['export-pupil', '--pupil', 'Florence Nightwood', '--out', file], env, sink().stream as never, err.stream as never)).toBe(1);
    expect(err.text()).toContain(`${file} already exists: an export never overwrites a file. Choose another --out path.`);
    expect(readFileSync(file, 'utf8')).toBe('someone else\'s file');
    expect(await withDb((db) => db.query<{ n: number }>("SELECT count(*)::int AS n FROM access_log WHERE verb = 'subject-access.export'"))).toEqual(before);
  });
});

/** A trust's deployment: a pupil of the same name at another school is a different child. */
describe('subject access export: more than one school in the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-sar-trust-'));
  const env = { DATA_DIR: join(dir, 'data'), ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, LOG_LEVEL: 'silent' };
  const OTHER = { tenantId: '0b7e2c1d-0000-4000-8000-00000000c0de', schoolName: 'Hillside Academy' };
  beforeAll(async () => {
    const db = await openStore({ dataDir: env.DATA_DIR });
    const h = await startHarness({ db, connector: { rateLimits: false } });
    await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { category: 'online-bullying', about: 'pupil', occurredOn: '2026-11-20', location: 'Hall', urgency: 'standard', submissionId: '00000000-0000-4000-8000-0000000005e2', pupils: 'Florence Nightwood', whatHappened: 'A concern about Florence.' });
    await h.stop();
    await upsertTenant(db, { tenantId: OTHER.tenantId, schoolName: OTHER.schoolName, timeZone: 'Europe/London' });
    // Another child of the same name, at the other school.
    await insertTransfer(db, { tenantId: OTHER.tenantId, transferId: '7a0e0b7e-0000-4000-8000-000000000003', pupilKey: 'name:florence nightwood', destinationSchool: 'Hillside Sixth Form', concernCount: 1, exportedBy: PEOPLE.dsl1.aadObjectId, exportedByName: PEOPLE.dsl1.name, at: new Date('2026-11-21T10:00:00Z') });
    await db.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to export without --tenant, naming the schools, and writes no file and no access-log entry', async () => {
    const err = sink();
    const out = sink();
    const file = join(dir, 'florence.json');
    expect(await runCli(['export-pupil', '--pupil', 'Florence Nightwood', '--out', file], env, out.stream as never, err.stream as never)).toBe(2);
    expect(err.text()).toContain('This deployment holds 2 schools: name the pupil\'s school with --tenant ID');
    expect(err.text()).toContain(`--tenant ${SCHOOL.tenantId}`);
    expect(err.text()).toContain(`--tenant ${OTHER.tenantId}   ${OTHER.schoolName}`);
    expect(out.text()).toBe('');
    expect(() => readFileSync(file)).toThrow();
    const db = await openStore({ dataDir: env.DATA_DIR });
    try {
      expect(await db.query("SELECT 1 FROM access_log WHERE verb = 'subject-access.export'")).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it("with --tenant, exports that school's pupil only", async () => {
    const out = sink();
    expect(await runCli(['export-pupil', '--pupil', 'Florence Nightwood', '--tenant', SCHOOL.tenantId], env, out.stream as never, sink().stream as never)).toBe(0);
    const data = JSON.parse(out.text());
    expect(data.concerns).toHaveLength(1);
    expect(data.concerns[0].tenantId).toBe(SCHOOL.tenantId);
    expect(out.text()).not.toContain('Hillside');
    expect(out.text()).not.toContain(OTHER.tenantId);
  });
});
