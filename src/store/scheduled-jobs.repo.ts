import type { Db } from './db';

export type JobLease = { acquired: true; lastRunOn: string | null } | { acquired: false; holder: string | null; until: Date | null };

/**
 * Takes the job's lease for `leaseMs` unless someone else holds an unexpired one. One statement,
 * so two instances (or the app and the CLI) racing for it cannot both win.
 */
export async function acquireJobLease(db: Db, tenantId: string, job: string, holder: string, now: Date, leaseMs: number): Promise<JobLease> {
  const until = new Date(now.getTime() + leaseMs);
  const [row] = await db.query<{ last_run_on: string | null }>(
    `INSERT INTO scheduled_jobs (tenant_id, job, lease_holder, lease_until) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, job) DO UPDATE SET lease_holder = EXCLUDED.lease_holder, lease_until = EXCLUDED.lease_until
       WHERE scheduled_jobs.lease_until IS NULL OR scheduled_jobs.lease_until <= $5
     RETURNING last_run_on::text AS last_run_on`,
    [tenantId, job, holder, until, now],
  );
  if (row) return { acquired: true, lastRunOn: row.last_run_on };
  const [held] = await db.query<{ lease_holder: string | null; lease_until: string | Date | null }>('SELECT lease_holder, lease_until FROM scheduled_jobs WHERE tenant_id = $1 AND job = $2', [tenantId, job]);
  return { acquired: false, holder: held?.lease_holder ?? null, until: held?.lease_until ? new Date(held.lease_until) : null };
}

/**
 * Gives the lease back. `ranOn` records the day the job completed; `retryAfter` keeps others
 * off until then (a failed run waits before it is tried again instead of retrying every poll).
 */
export async function releaseJobLease(db: Db, tenantId: string, job: string, holder: string, outcome: { ranOn?: string; retryAfter?: Date }): Promise<void> {
  await db.query(
    `UPDATE scheduled_jobs SET last_run_on = COALESCE($4::date, last_run_on), lease_holder = NULL, lease_until = $5
     WHERE tenant_id = $1 AND job = $2 AND lease_holder = $3`,
    [tenantId, job, holder, outcome.ranOn ?? null, outcome.retryAfter ?? null],
  );
}

export async function lastJobRunOn(db: Db, tenantId: string, job: string): Promise<string | null> {
  const [row] = await db.query<{ last_run_on: string | null }>('SELECT last_run_on::text AS last_run_on FROM scheduled_jobs WHERE tenant_id = $1 AND job = $2', [tenantId, job]);
  return row?.last_run_on ?? null;
}

/** Extends a lease its holder still has (a long audit keeps it while it makes progress). */
export async function renewJobLease(db: Db, tenantId: string, job: string, holder: string, until: Date): Promise<boolean> {
  const rows = await db.query('UPDATE scheduled_jobs SET lease_until = $4 WHERE tenant_id = $1 AND job = $2 AND lease_holder = $3 RETURNING 1', [tenantId, job, holder, until]);
  return rows.length > 0;
}
