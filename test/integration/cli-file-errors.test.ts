// What an admin sees when `jigsaw` is given a file it cannot use, or a command it does not know:
// the path and what to fix, exit 2; never Node's "ENOENT: no such file or directory, open …".
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli';
import { openStore } from '../../src/store/open-store';
import { upsertTenant } from '../../src/store/tenant.repo';
import { cliStoreEnv, storeKind } from '../support/test-db';

const TENANT = '7c1f0e2a-5b3d-4e6f-8a9b-0c1d2e3f4a5b';

function capture(): { stream: Writable; text: () => string } {
  let buf = '';
  return { stream: new Writable({ write: (chunk, _enc, cb) => ((buf += String(chunk)), cb()) }), text: () => buf };
}

describe(`jigsaw with a file it cannot use (${storeKind()})`, () => {
  let dir: string;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const run = async (...argv: string[]) => {
    const out = capture();
    const err = capture();
    const code = await runCli(argv, env, out.stream as unknown as typeof process.stdout, err.stream as unknown as typeof process.stderr);
    return { code, out: out.text(), err: err.text() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jigsaw-cli-files-'));
    const store = await cliStoreEnv(dir, 'clifiles');
    drop = store.drop;
    env = { ...store.env, BOOTSTRAP_TENANT_ID: TENANT, LOG_LEVEL: 'silent' };
    const db = await openStore({ databaseUrl: store.env.DATABASE_URL, dataDir: store.env.DATA_DIR });
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
    await db.close();
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['aup import', ['aup', 'import']],
    ['aup publish', ['aup', 'publish']],
    ['aup audience', ['aup', 'audience', 'staff', '--csv']],
  ])('%s names a missing file and says to check the path', async (_label, argv) => {
    const missing = join(dir, 'no-such-file.csv');
    const r = await run(...argv, missing);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`jigsaw aup: ${missing}: there is no such file or folder. Check the path.\n`);
  });

  it('says a folder given for a file is a folder', async () => {
    const r = await run('aup', 'import', dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`jigsaw aup: ${dir}: this is a folder; name a file.\n`);
  });

  it('checks where the sharing audit\'s reports go before auditing (a run can take half an hour)', async () => {
    const target = join(dir, 'missing-folder', 'audit.json');
    const r = await run('audit-sharing', '--json', target);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`jigsaw audit-sharing: ${join(dir, 'missing-folder')}: there is no such file or folder. Check the path. Nothing was audited.\n`);
    const folder = await run('audit-sharing', '--csv', dir);
    expect(folder.code).toBe(2);
    expect(folder.err).toBe(`jigsaw audit-sharing: ${dir}: this is a folder; name a file. Nothing was audited.\n`);
  });

  it('writes the AUP register (staff names) readable by its owner only', async () => {
    const target = join(dir, 'register.csv');
    const r = await run('aup', 'status', '--csv', target);
    expect(r.code).toBe(0);
    expect(existsSync(target)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['aup status', ['aup', 'status', '--audience', 'teachers']],
    ['aup audience', ['aup', 'audience', 'teachers', '--csv', '/dev/null']],
  ])('%s names the audiences it knows when given another', async (_label, argv) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toBe('unknown audience "teachers": use one of staff, governors, volunteers, pupils-ks1, pupils-ks2, pupils-ks3, pupils-ks4, pupils-ks5, parents\n');
  });

  it('refuses a command it does not know on stderr, with the list, exit 2', async () => {
    const r = await run('retension', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^Unknown command "retension"\.\nUsage: jigsaw <command>/);
    expect(r.err).toMatch(/retention \(--dry-run/);
  });

  it('lists the commands on stdout, exit 0, when asked for help', async () => {
    const r = await run('help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Usage: jigsaw <command>/);
  });
});
