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
  error: string | null;
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
}

const COLUMNS = 'run_id, mode, status, started_at, finished_at, resumed, stats, failures, error';

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
  const rows = await db.query<RunRow>(`SELECT ${COLUMNS} FROM audit_runs WHERE tenant_id = $1 AND status = 'running'`, [tenantId]);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function getAuditRun(db: Db, tenantId: string, runId: string): Promise<AuditRun | null> {
  const rows = await db.query<RunRow>(`SELECT ${COLUMNS} FROM audit_runs WHERE tenant_id = $1 AND run_id = $2`, [tenantId, runId]);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function markAuditRunResumed(db: Db, tenantId: string, runId: string): Promise<void> {
  await db.query(`UPDATE audit_runs SET resumed = resumed + 1 WHERE tenant_id = $1 AND run_id = $2`, [tenantId, runId]);
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
    `UPDATE audit_runs SET status = $3, finished_at = $4, stats = $5::jsonb, error = $6
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
