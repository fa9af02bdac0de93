// `jigsaw aup …` as an admin runs it: runCli against a store on disk (or a PostgreSQL schema),
// with the staff audience read from an Entra group of the fake Graph tenant.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli';
import { openStore } from '../../src/store/open-store';
import { assignRole, upsertTenant } from '../../src/store/tenant.repo';
import { getLatestAupVersion, listAskedPeople } from '../../src/store/aup.repo';
import { parseCsv } from '../../src/domain/aup/csv';
import { startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { cliStoreEnv, storeKind } from '../support/test-db';

const AUP_APP = { clientId: '7a2d4b63-9e1f-4c8b-8d66-1b2c3d4e5f61', displayName: 'Jigsaw AUP', secrets: ['aup-s3cret'], roles: ['GroupMember.Read.All'] };
const STAFF_GROUP = '22222222-0000-4000-8000-000000000001';
const ADMIN = 'abababab-0000-4000-8000-0000000000ab';

function capture(): { stream: Writable; text: () => string } {
  let buf = '';
  return { stream: new Writable({ write: (chunk, _enc, cb) => ((buf += String(chunk)), cb()) }), text: () => buf };
}

describe(`jigsaw aup (${storeKind()})`, () => {
  let fake: FakeGraphTenant;
  let dir: string;
  let env: Record<string, string>;
  let dropSchema: (() => Promise<void>) | undefined;
  const run = async (...argv: string[]) => {
    const out = capture();
    const err = capture();
    const code = await runCli(['aup', ...argv], env, out.stream as unknown as typeof process.stdout, err.stream as unknown as typeof process.stderr);
    return { code, out: out.text(), err: err.text() };
  };

  beforeAll(async () => {
    fake = await startFakeGraphTenant({ tenant: { seed: 8, items: 20, staff: 12, pupils: 4 }, apps: [AUP_APP] });
    const staff = fake.tenant.users.filter((u) => u.role === 'teacher');
    fake.api.addGroup({ id: STAFF_GROUP, displayName: 'All staff', memberUserIds: staff.map((u) => u.id) });
    dir = mkdtempSync(join(tmpdir(), 'jigsaw-aup-cli-'));
    const { env: store, drop } = await cliStoreEnv(dir, 'aupcli');
    dropSchema = drop;
    env = {
      ...store,
      BOOTSTRAP_TENANT_ID: fake.tenantId,
      ADMIN_AAD_IDS: ADMIN,
      GRAPH_TENANT_ID: fake.tenantId,
      GRAPH_CLIENT_ID: AUP_APP.clientId,
      GRAPH_CLIENT_SECRET: 'aup-s3cret',
      AUTHORITY_HOST: fake.url,
      GRAPH_BASE_URL: `${fake.url}/v1.0`,
      GRAPH_EXTRA_CA_FILE: fake.caFile,
      AUP_AUDIENCE_GROUPS: `staff:${STAFF_GROUP}`,
      LOG_LEVEL: 'silent',
    };
    // The server's bootstrap (tenant and admins) has run on this store before.
    const db = await openStore({ databaseUrl: store.DATABASE_URL, dataDir: store.DATA_DIR });
    await upsertTenant(db, { tenantId: fake.tenantId, schoolName: 'Test School', timeZone: 'Europe/London' });
    await assignRole(db, fake.tenantId, 'admin', ADMIN);
    await db.close();
  });
  afterAll(async () => {
    await fake.close();
    await dropSchema?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes from a file to an Entra group, imports paper acknowledgements, reports and exports the register', async () => {
    const bad = join(dir, 'bad.md');
    writeFileSync(bad, '---\naudience: teachers\n---\n');
    const refused = await run('publish', bad);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('audience must be one of');

    const policy = join(dir, 'staff.md');
    writeFileSync(policy, '---\naudience: staff\ntitle: Staff Acceptable Use Policy\neffective: 2026-12-01\nsummary: How we use school systems.\n---\nI will only use school systems for professional purposes.\n');
    const published = await run('publish', policy);
    expect(published.err).toBe('');
    expect(published.code).toBe(0);
    expect(published.out).toContain('Audience staff: 12 people from 1 Entra group(s)');
    expect(published.out).toMatch(/Published "Staff Acceptable Use Policy" for staff, version 1 \([0-9a-f-]{36}\)/);
    expect(published.out).toContain('12 card(s) queued for Teams; 0 person(s) without Teams');

    const someone = fake.tenant.users.find((u) => u.role === 'teacher')!;
    const csv = join(dir, 'paper.csv');
    writeFileSync(csv, `person_id,name,audience,acknowledged_on,method\n${someone.id},${someone.displayName},staff,2026-11-20,paper\n`);
    expect(await run('import', csv)).toMatchObject({ code: 0, out: 'Imported 1 acknowledgement(s).\n' });
    const badCsv = join(dir, 'bad.csv');
    writeFileSync(badCsv, 'person_id,name,audience,acknowledged_on,method\nx,Y,staff,2026-11-20,email\n');
    expect(await run('import', badCsv)).toMatchObject({ code: 2, err: expect.stringContaining('line 2: method must be paper or online-form') });

    const out = join(dir, 'register.csv');
    const status = await run('status', '--csv', out);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/staff\s+1\s+1\s+0\s+11\s+0\s+12/);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows).toHaveLength(13);
    expect(rows.find((r) => r[1] === someone.id.toLowerCase())?.slice(3, 4)).toEqual(['current']);

    // Entra keeps throttling: nothing published, and the admin is told what happened and what to do.
    fake.api.injectFailures({ count: Number.POSITIVE_INFINITY, status: 503, retryAfterSeconds: 0, pathIncludes: '/transitiveMembers' });
    const unread = await run('publish', policy);
    fake.api.clearFailures();
    expect(unread.code).toBe(1);
    expect(unread.err).toBe("The staff audience's Entra groups could not be read: Microsoft Graph could not be reached (503). Nothing was published; try again later, or pass --audience-csv FILE or --no-groups.\n");
    expect(unread.out).not.toContain('Published');

    const progress = await run('progress');
    expect(progress.out).toMatch(/staff v1 [0-9a-f-]{36}: 0\/12 delivered, 12 waiting/);
    expect((await run('nonsense')).code).toBe(2);
  });

  it('asks people added to an audience by CSV after the publish at once, and only them, once', async () => {
    const [a, b, c] = fake.tenant.users.filter((u) => u.role === 'teacher');
    const volunteersCsv = (people: NonNullable<typeof a>[]) => {
      const file = join(dir, `volunteers-${people.length}.csv`);
      writeFileSync(file, `person_id,name,email\n${people.map((p) => `${p.id},${p.displayName},${p.mail}`).join('\n')}\n`);
      return file;
    };
    const policy = join(dir, 'volunteers.md');
    writeFileSync(policy, '---\naudience: volunteers\ntitle: Volunteers Acceptable Use Policy\neffective: 2026-12-01\nsummary: Using school systems as a volunteer.\n---\nI will keep what I see about children confidential.\n');
    // Before anything is published there is nothing to ask.
    expect(await run('audience', 'volunteers', '--csv', volunteersCsv([a!]))).toMatchObject({ code: 0, out: expect.not.stringContaining('Version') });
    expect((await run('publish', policy, '--audience-csv', volunteersCsv([a!, b!]))).out).toContain('2 card(s) queued for Teams');

    const added = await run('audience', 'volunteers', '--csv', volunteersCsv([a!, b!, c!]));
    expect(added.code).toBe(0);
    expect(added.out).toContain('Audience volunteers: 3 people');
    expect(added.out).toContain('Version 1: 1 card(s) queued for Teams to people new to the audience; 0 person(s) without Teams');
    const db = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
    try {
      const version = (await getLatestAupVersion(db, fake.tenantId, 'volunteers'))!;
      expect([...(await listAskedPeople(db, fake.tenantId, version.versionId))].sort()).toEqual([a!, b!, c!].map((u) => u.id.toLowerCase()).sort());
    } finally {
      await db.close();
    }
    // The same list again asks nobody a second time.
    expect((await run('audience', 'volunteers', '--csv', volunteersCsv([a!, b!, c!]))).out).toContain('Version 1: 0 card(s) queued');
  });
});
