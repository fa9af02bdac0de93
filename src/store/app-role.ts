import type { Db } from './db';
import { scramSha256Verifier } from './scram-verifier';

/**
 * Creates the app's login role when it does not exist yet, and keeps its password equal to the
 * one in DATABASE_URL (so rotating the secret in Key Vault and restarting is the whole job).
 * Needs an owner allowed to manage roles (CREATEROLE: a Flexible Server administrator is). A
 * role the owner may not manage is left as it is: a DBA may have made it with other sign-in.
 */
export async function ensureAppRole(owner: Db, databaseUrl: string): Promise<'created' | 'updated' | 'unchanged'> {
  const role = roleOf(databaseUrl);
  const password = decodeURIComponent(new URL(databaseUrl).password);
  const [me] = await owner.query<{ me: string; can_create: boolean; exists: boolean }>(
    `SELECT current_user AS me,
            (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_create,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists`,
    [role],
  );
  if (role === me!.me) throw new Error(SAME_ROLE);
  if (!me!.can_create) {
    if (me!.exists) return 'unchanged';
    throw new Error(`the app's database role ${role} does not exist and DATABASE_OWNER_URL's role may not create it (needs CREATEROLE): create it once (docs/admin-guide.md, "Database roles")`);
  }
  if (me!.exists && !password) return 'unchanged';
  // Role names cannot be bound parameters: the server quotes them with format(%I, %L).
  const verb = me!.exists ? 'ALTER' : 'CREATE';
  const [{ statement }] = await owner.query<{ statement: string }>(
    password ? `SELECT format('${verb} ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS statement` : `SELECT format('${verb} ROLE %I LOGIN', $1::text) AS statement`,
    password ? [role, scramSha256Verifier(password)] : [role],
  );
  try {
    await owner.exec(statement!);
  } catch (err) {
    // PostgreSQL 16: CREATEROLE manages only the roles it was granted ADMIN on. A role someone
    // else made keeps the password they gave it; DATABASE_URL's sign-in then tells if it is wrong.
    if (me!.exists && (err as { code?: string }).code === '42501') return 'unchanged';
    throw err;
  }
  return me!.exists ? 'updated' : 'created';
}

const SAME_ROLE = 'DATABASE_URL and DATABASE_OWNER_URL name the same role: give the app its own, non-owner role';

/**
 * Least privilege in the database: the app's own role (DATABASE_URL) gets data access only —
 * SELECT, INSERT, UPDATE, DELETE on the tables and use of their sequences — in the schema the
 * owner (DATABASE_OWNER_URL) migrates. It owns nothing, so it cannot drop or disable the
 * triggers that make the chronology, AUP versions and role changes append-only, truncate a
 * table, or change the schema. Run after every migration, so new tables are covered.
 */
export async function grantAppRole(owner: Db, role: string): Promise<void> {
  const [{ schema, me }] = await owner.query<{ schema: string; me: string }>('SELECT current_schema() AS schema, current_user AS me');
  if (role === me) throw new Error(SAME_ROLE);
  const r = quoteIdent(role);
  const s = quoteIdent(schema);
  await owner.exec(
    [
      `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
      `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`,
      // Explicitly not TRUNCATE, TRIGGER, REFERENCES: an earlier grant would be taken back here.
      `REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA ${s} FROM ${r}`,
    ].join(';\n'),
  );
}

/** The role a postgres:// URL logs in as. */
export function roleOf(databaseUrl: string): string {
  const user = decodeURIComponent(new URL(databaseUrl).username);
  if (!user) throw new Error('DATABASE_URL must name the app\'s role (postgres://<role>@host/db) when DATABASE_OWNER_URL is set');
  return user;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
