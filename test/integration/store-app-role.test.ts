import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/store/db';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store';
import { ensureAppRole } from '../../src/store/app-role';
import { scramSha256Verifier } from '../../src/store/scram-verifier';
import { MIGRATIONS_DIR, pendingMigrations } from '../../src/store/migrate';
import { openPostgresDb } from '../../src/store/pg-db';
import { PEOPLE, startHarness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';

// Least privilege in the database (DATABASE_OWNER_URL + a non-owner DATABASE_URL): the owner
// migrates and grants; the app's role runs the whole product with data access only and cannot
// touch the append-only guarantees. Needs a PostgreSQL server (roles do not exist in PGlite).
const run = process.env.JIGSAW_TEST_STORE === 'postgres' ? describe : describe.skip;

run('the app as a non-owner database role (postgres; skipped on PGlite: it has no roles)', () => {
  const ownerUrl = process.env.DATABASE_URL!;
  const suffix = randomBytes(4).toString('hex');
  const schema = `t_role_${suffix}`;
  const role = `jigsaw_app_${suffix}`;
  let admin: Db;
  let app: Db;

  beforeAll(async () => {
    // Built here, not at collection: without DATABASE_URL (PGlite only) the suite is skipped
    // but its body still runs, and new URL(undefined) would fail the whole run.
    const u = new URL(ownerUrl);
    u.username = role;
    u.password = '';
    const appUrl = u.toString();
    admin = await openPostgresDb(ownerUrl);
    await admin.exec(`CREATE ROLE ${role} LOGIN`);
    app = await openStore({ databaseUrl: appUrl, ownerUrl, schema });
  });
  afterAll(async () => {
    await app?.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.exec(`DROP OWNED BY ${role}`);
    await admin.exec(`DROP ROLE IF EXISTS ${role}`);
    await admin.close();
  });

  it('runs as its own role, which owns nothing in the schema', async () => {
    const [who] = await app.query<{ me: string; owned: number }>(
      `SELECT current_user AS me, (SELECT count(*)::int FROM pg_tables WHERE schemaname = $1 AND tableowner = current_user) AS owned`,
      [schema],
    );
    expect(who).toEqual({ me: role, owned: 0 });
  });

  it('takes a report, delivers it and records triage with data access only', async () => {
    const h = await startHarness({ db: app });
    try {
      const concern = await reportAndAwaitCard(h, PEOPLE.teacher);
      const [row] = await app.query<{ reference: string; event_count: number }>('SELECT reference, event_count FROM concerns WHERE concern_id = $1', [concern.concernId]);
      expect(row).toEqual({ reference: concern.reference, event_count: 1 });
    } finally {
      await h.stop();
    }
  });

  it('cannot drop or disable the append-only triggers, truncate, or change the schema', async () => {
    for (const sql of [
      'DROP TRIGGER concern_events_no_update ON concern_events',
      'ALTER TABLE concern_events DISABLE TRIGGER ALL',
      'TRUNCATE concern_events',
      'CREATE TABLE sneaky (id int)',
      'DROP TABLE role_changes',
    ]) {
      await expect(app.exec(sql)).rejects.toMatchObject({ code: expect.stringMatching(/^(42501|42P01)$/) });
    }
    await expect(app.exec('UPDATE concern_events SET actor_name = actor_name')).rejects.toThrow(/append-only/);
  });

  it('refuses the same role as owner and app, and sees a migration the owner has not applied', async () => {
    await expect(openStore({ databaseUrl: ownerUrl, ownerUrl, schema })).rejects.toThrow(/same role/);
    expect(await pendingMigrations(app)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-migrations-'));
    try {
      for (const f of readdirSync(MIGRATIONS_DIR)) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
      writeFileSync(join(dir, '29991231235959-future.sql'), 'SELECT 1;');
      expect(await pendingMigrations(app, dir)).toEqual(['29991231235959-future.sql']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

run('the app\'s database role made by the owner at start-up (postgres)', () => {
  const ownerUrl = process.env.DATABASE_URL!;
  const suffix = randomBytes(4).toString('hex');
  const schema = `t_mkrole_${suffix}`;
  const role = `jigsaw_new_${suffix}`;
  const weakOwner = `jigsaw_weak_${suffix}`;
  const urlAs = (user: string, password = '') => {
    const u = new URL(ownerUrl);
    u.username = user;
    u.password = password;
    return u.toString();
  };
  let admin: Db;

  beforeAll(async () => {
    admin = await openPostgresDb(ownerUrl);
  });
  afterAll(async () => {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    for (const r of [role, weakOwner]) {
      const [exists] = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [r]);
      if (exists!.n) {
        await admin.exec(`DROP OWNED BY ${r}`);
        await admin.exec(`DROP ROLE ${r}`);
      }
    }
    await admin.close();
  });

  /** Whether the role's stored SCRAM verifier accepts this password (recomputed with its salt). */
  async function storedVerifierAccepts(password: string): Promise<boolean> {
    const [row] = await admin.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(row?.rolpassword ?? '');
    if (!m) return false;
    return scramSha256Verifier(password, { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64') }) === row!.rolpassword;
  }

  it('creates the missing role with DATABASE_URL\'s password, and a restart with a rotated password updates it', async () => {
    const first = await openStore({ databaseUrl: urlAs(role, 'first-Pa55word'), ownerUrl, schema });
    try {
      const [who] = await first.query<{ me: string; super: boolean; createrole: boolean }>('SELECT current_user AS me, rolsuper AS super, rolcreaterole AS createrole FROM pg_roles WHERE rolname = current_user');
      expect(who).toEqual({ me: role, super: false, createrole: false });
    } finally {
      await first.close();
    }
    expect(await storedVerifierAccepts('first-Pa55word')).toBe(true);
    // The plain password is never what the server stores.
    const [stored] = await admin.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    expect(stored!.rolpassword).not.toContain('first-Pa55word');

    const second = await openStore({ databaseUrl: urlAs(role, 'rotated-Pa55word'), ownerUrl, schema });
    await second.close();
    expect(await storedVerifierAccepts('rotated-Pa55word')).toBe(true);
    expect(await storedVerifierAccepts('first-Pa55word')).toBe(false);
  });

  it('says what to do when the owner may not create roles and the app\'s role is missing', async () => {
    await admin.exec(`CREATE ROLE ${weakOwner} LOGIN; GRANT CREATE ON DATABASE ${new URL(ownerUrl).pathname.slice(1)} TO ${weakOwner}`);
    const weak = await openPostgresDb(urlAs(weakOwner));
    try {
      await expect(ensureAppRole(weak, urlAs(`${role}_missing`, 'x'))).rejects.toThrow(/does not exist and DATABASE_OWNER_URL's role may not create it \(needs CREATEROLE\)/);
      // An existing role it may not manage is left alone.
      await expect(ensureAppRole(weak, urlAs(role, 'another'))).resolves.toBe('unchanged');
      expect(await storedVerifierAccepts('rotated-Pa55word')).toBe(true);
    } finally {
      await weak.close();
    }
  });
});

