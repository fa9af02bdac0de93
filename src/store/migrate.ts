import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db';

/** Where the versioned SQL files live; the build copies them beside the compiled code. */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');

// An arbitrary constant: two processes starting together take turns migrating.
const MIGRATION_LOCK = 724_113_001;

/**
 * Applies every `YYYYMMDDHHMMSS-name.sql` file not yet recorded, in order, each in its own
 * transaction. A file that has shipped is never edited: a change is a new file.
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    for (const file of files) {
      const version = file.slice(0, 14);
      if (done.has(version)) continue;
      await tx.exec(readFileSync(join(dir, file), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      applied.push(file);
    }
  });
  return applied;
}

/** Migration files not yet recorded (read-only: for a role that may not migrate). */
export async function pendingMigrations(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  const done = new Set((await db.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  return files.filter((f) => !done.has(f.slice(0, 14)));
}

/**
 * The migration files in order. A migration is recorded by its 14-digit version alone, so two
 * files sharing one (two branches each adding a migration at the same minute) would have the
 * second skipped on a store that had the first: refused here, naming both, before anything runs.
 */
export function migrationFiles(dir = MIGRATIONS_DIR): string[] {
  const files = readdirSync(dir).filter((f) => /^\d{14}-[a-z0-9-]+\.sql$/.test(f)).sort();
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.slice(0, 14) === files[i - 1]!.slice(0, 14)) {
      throw new Error(`two migrations share the version ${files[i]!.slice(0, 14)}: ${files[i - 1]} and ${files[i]}; give one a later version`);
    }
  }
  return files;
}
