import type { Db } from './db';

/**
 * Least privilege in the database: the app's own role (DATABASE_URL) gets data access only —
 * SELECT, INSERT, UPDATE, DELETE on the tables and use of their sequences — in the schema the
 * owner (DATABASE_OWNER_URL) migrates. It owns nothing, so it cannot drop or disable the
 * triggers that make the chronology, AUP versions and role changes append-only, truncate a
 * table, or change the schema. Run after every migration, so new tables are covered.
 */
export async function grantAppRole(owner: Db, role: string): Promise<void> {
  const [{ schema, me }] = await owner.query<{ schema: string; me: string }>('SELECT current_schema() AS schema, current_user AS me');
  if (role === me) throw new Error('DATABASE_URL and DATABASE_OWNER_URL name the same role: give the app its own, non-owner role');
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
