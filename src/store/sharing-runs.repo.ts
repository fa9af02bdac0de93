import type { Db } from './db';
import { toIso } from './sharing-drives.repo';

/** Audit runs: one running per tenant; an interrupted run is found and resumed by the next start. */

export type AuditMode = 'full' | 'incremental';
export type AuditRunStatus = 'running' | 'completed' | 'failed';

export interface AuditStats {
  drives: number;
  items: number;
  sharingRoots: number;
  graphRequests: number;
  resourceUnits: number;
  throttled: number;
  durationMs: number;
}

export interface AuditFailure {
  driveId: string;
  itemId: string | null;
  step: 'enumerate' | 'permissions' | 'content' | 'drive';
  error: string;
}

export interface AuditRun {
  runId: string;
  mode: AuditMode;
  status: AuditRunStatus;
  startedAt: string;
  finishedAt: string | null;
  resumed: number;
  stats: Partial<AuditStats>;
  failures: AuditFailure[];
  /** The last failure, in a short safe sentence (no names, no URLs); null once it runs again. */
  error: string | null;
  /** When the schedule tries a failed run again; null otherwise. */
  retryAt: string | null;
  /** Failed attempts in a row (kept across resumes until the run completes). */
  failedAttempts: number;
}

interface RunRow {
  run_id: string;
  mode: AuditMode;
  status: AuditRunStatus;
  started_at: Date | string;
  finished_at: Date | string | null;
  resumed: number;
  stats: Partial<AuditStats>;
  failures: AuditFailure[];
  error: string | null;
  retry_at: Date | string | null;
  failed_attempts: number;
}

/** A run that can be resumed: running, or failed before it finished (the schedule retries it). */
const RESUMABLE = `(status = 'running' OR (status = 'failed' AND finished_at IS NULL))`;

const COLUMNS = 'run_id, mode, status, started_at, finished_at, resumed, stats, failures, error, retry_at, failed_attempts';

function toRun(r: RunRow): AuditRun {
  return {
    runId: r.run_id,
    mode: r.mode,
    status: r.status,
    startedAt: toIso(r.started_at)!,
    finishedAt: toIso(r.finished_at),
    resumed: r.resumed,
    stats: r.stats,
    failures: r.failures,
    error: r.error,
    retryAt: toIso(r.retry_at),
    failedAttempts: Number(r.failed_attempts),
  };
}

export async function createAuditRun(db: Db, tenantId: string, runId: string, mode: AuditMode, startedAt: Date): Promise<AuditRun> {
  const rows = await db.query<RunRow>(
    `INSERT INTO audit_runs (tenant_id, run_id, mode, started_at) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [tenantId, runId, mode, startedAt.toISOString()],
  );
  return toRun(rows[0]);
}

export async function findRunningAuditRun(db: Db, tenantId: string): Promise<AuditRun | null> {
  const rows = await db.query<RunRow>(
    `SELECT ${COLUMNS} FROM audit_runs WHERE tenant_id = $1 AND ${RESUMABLE}
     ORDER BY started_at DESC LIMIT 1`,
    [tenantId],
  );
  return rows[0] ? toRun(rows[0]) : null;
}

export async function getAuditRun(db: Db, tenantId: string, runId: string): Promise<AuditRun | null> {
  const rows = await db.query<RunRow>(`SELECT ${COLUMNS} FROM audit_runs WHERE tenant_id = $1 AND run_id = $2`, [tenantId, runId]);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function markAuditRunResumed(db: Db, tenantId: string, runId: string): Promise<void> {
  // Running again: the failure is behind it (failed_attempts stays until the run completes).
  await db.query(`UPDATE audit_runs SET resumed = resumed + 1, status = 'running', error = NULL, retry_at = NULL WHERE tenant_id = $1 AND run_id = $2`, [tenantId, runId]);
}

/**
 * Marks the resumable run failed (its checkpoints kept: the retry resumes it) with a safe error
 * and when it is tried again. A failure before the run existed (the directory unreachable)
 * records a new failed run, so the admins see it all the same. Returns the failures in a row.
 */
export async function recordAuditRunFailure(
  db: Db,
  tenantId: string,
  failure: { error: string; retryAt: Date | null; at: Date; mode: AuditMode; newRunId: string },
): Promise<{ runId: string; failedAttempts: number }> {
  const [updated] = await db.query<{ run_id: string; failed_attempts: number }>(
    `UPDATE audit_runs SET status = 'failed', error = $2, retry_at = $3, failed_attempts = failed_attempts + 1
     WHERE tenant_id = $1 AND run_id = (SELECT run_id FROM audit_runs WHERE tenant_id = $1 AND ${RESUMABLE} ORDER BY started_at DESC LIMIT 1)
     RETURNING run_id, failed_attempts`,
    [tenantId, failure.error, failure.retryAt?.toISOString() ?? null],
  );
  if (updated) return { runId: updated.run_id, failedAttempts: Number(updated.failed_attempts) };
  const [inserted] = await db.query<{ run_id: string; failed_attempts: number }>(
    `INSERT INTO audit_runs (tenant_id, run_id, mode, started_at, status, error, retry_at, failed_attempts) VALUES ($1, $2, $3, $4, 'failed', $5, $6, 1)
     RETURNING run_id, failed_attempts`,
    [tenantId, failure.newRunId, failure.mode, failure.at.toISOString(), failure.error, failure.retryAt?.toISOString() ?? null],
  );
  return { runId: inserted.run_id, failedAttempts: Number(inserted.failed_attempts) };
}

/** Progress checkpoint: counters so far and per-item failures (kept, not thrown). */
export async function saveAuditRunProgress(db: Db, tenantId: string, runId: string, stats: Partial<AuditStats>, failures: readonly AuditFailure[]): Promise<void> {
  await db.query(`UPDATE audit_runs SET stats = $3::jsonb, failures = $4::jsonb WHERE tenant_id = $1 AND run_id = $2`, [
    tenantId,
    runId,
    JSON.stringify(stats),
    JSON.stringify(failures),
  ]);
}

export async function finishAuditRun(
  db: Db,
  tenantId: string,
  runId: string,
  outcome: { status: 'completed' | 'failed'; finishedAt: Date; stats: Partial<AuditStats>; error: string | null },
): Promise<AuditRun> {
  const rows = await db.query<RunRow>(
    `UPDATE audit_runs SET status = $3, finished_at = $4, stats = $5::jsonb, error = $6, retry_at = NULL
     WHERE tenant_id = $1 AND run_id = $2 RETURNING ${COLUMNS}`,
    [tenantId, runId, outcome.status, outcome.finishedAt.toISOString(), JSON.stringify(outcome.stats), outcome.error],
  );
  return toRun(rows[0]);
}

/** Whether a full picture exists to continue from (an incremental run needs one). */
export async function hasCompletedAuditRun(db: Db, tenantId: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM audit_runs WHERE tenant_id = $1 AND status = 'completed' LIMIT 1`, [tenantId]);
  return rows.length > 0;
}
