import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { localDateTime } from '../../domain/clock';
import { describeError, type Logger } from '../../logging';
import type { SharingAuditConnection } from '../../services/sharing-audit-connection';
import { queueAuditSummaryToAdmins } from '../../services/sharing-audit-notices';
import type { Db } from '../../store/db';
import { acquireJobLease, lastJobRunOn, releaseJobLease } from '../../store/scheduled-jobs.repo';
import { leaseKeeper } from '../job-lease';
import { type AuditMode, hasCompletedAuditRun, recordAuditRunFailure } from '../../store/sharing-runs.repo';
import { describeGraphFailure } from '../../graph/graph-errors';
import { alertAdmins } from '../../services/admin-alerts';
import { getTenant } from '../../store/tenant.repo';
import { AuditStopped, runSharingAudit } from './run-sharing-audit';

export const SHARING_AUDIT_JOB = 'sharing-audit';

/** The admins are alerted in Teams when this many attempts in a row have failed (the retry failed too). */
export const ALERT_AFTER_FAILED_ATTEMPTS = 2;
export const SHARING_AUDIT_FAILING_ALERT = 'sharing-audit-failing';

/**
 * A failed run's error as the admins read it in the tab and the alert: the kind of failure and
 * the HTTP status only, never a message from Graph (it can echo file names or URLs).
 */
export function describeAuditFailure(err: unknown): string {
  return describeGraphFailure(err, {
    unreachable: 'Microsoft Graph could not be reached{status}',
    busy: 'Microsoft Graph kept throttling the audit{status}',
    refused: 'Microsoft Graph refused the audit app{status}: IT should check its permissions and credential (docs/permissions.md)',
    'not-found': 'Microsoft Graph answered that something was not found{status}',
    error: 'The audit stopped on an unexpected error; the details are in the app’s logs',
  });
}

export interface ScheduledSharingAuditDeps {
  db: Db;
  tenantId: string;
  /** School-local "HH:MM". */
  scheduleAt: string;
  /** Used when the tenant row has no time zone. */
  defaultTimeZone: string;
  graph: () => SharingAuditConnection;
  contentEvidence: 'when-needed' | 'always';
  remediationEnabled: boolean;
  logger: Logger;
  now: () => Date;
  onOutboxChanged: () => void;
  /** How long a lease lasts without progress (renewed while the audit moves). Default 30 min. */
  leaseMs?: number;
  /** How long to wait after a failed run before trying again. Default 30 min. */
  retryAfterMs?: number;
}

/**
 * The app's own daily sharing audit (AUDIT_SCHEDULE): once a school day has reached the
 * scheduled time and no audit has completed that day, one instance takes the lease and runs it
 * (full the first time, then incremental), in the background so the scheduler keeps its pace;
 * then the summary card goes to the admins. A failed run is marked `failed` with a safe error and
 * its retry time (the tab shows both) and tried again after `retryAfterMs`, resuming from its
 * checkpoints; when the retry fails too the admins are alerted in Teams. A run stopped with the
 * app resumes from its checkpoints at the next start.
 */
export class ScheduledSharingAudit {
  private current: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly holder = `app:${hostname()}:${process.pid}`;

  constructor(private readonly deps: ScheduledSharingAuditDeps) {}

  /** Starts today's audit if it is due; returns at once (the run goes on in the background). */
  async tick(): Promise<void> {
    if (this.current || this.abort.signal.aborted) return;
    const d = this.deps;
    const now = d.now();
    const timeZone = (await getTenant(d.db, d.tenantId))?.timeZone ?? d.defaultTimeZone;
    const today = localDateTime(now, timeZone);
    if (today.time < d.scheduleAt) return;
    if ((await lastJobRunOn(d.db, d.tenantId, SHARING_AUDIT_JOB)) === today.date) return;
    const lease = await acquireJobLease(d.db, d.tenantId, SHARING_AUDIT_JOB, this.holder, now, d.leaseMs ?? 30 * 60_000);
    if (!lease.acquired) return;
    if (lease.lastRunOn === today.date) {
      await releaseJobLease(d.db, d.tenantId, SHARING_AUDIT_JOB, this.holder, {});
      return;
    }
    this.current = this.run(today.date).finally(() => {
      this.current = undefined;
    });
  }

  /** Stops between drives and waits for the run to put its checkpoints away. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.current;
  }

  /** The run in progress, if any (tests wait on it). */
  get running(): Promise<void> | undefined {
    return this.current;
  }

  private async run(day: string): Promise<void> {
    const d = this.deps;
    const lost = new AbortController();
    const keepLease = leaseKeeper({ db: d.db, tenantId: d.tenantId, job: SHARING_AUDIT_JOB, holder: this.holder, leaseMs: d.leaseMs ?? 30 * 60_000, now: d.now, logger: d.logger, onLost: () => lost.abort() });
    let mode: AuditMode = 'full';
    try {
      const graph = d.graph();
      mode = (await hasCompletedAuditRun(d.db, d.tenantId)) ? 'incremental' : 'full';
      d.logger.info({ tenantId: d.tenantId, mode, day }, 'sharing audit: scheduled run starting');
      const roster = await graph.roster();
      const result = await runSharingAudit({
        db: d.db,
        tenantId: d.tenantId,
        mode,
        verifiedDomains: await graph.verifiedDomains(),
        roster: roster.pupils,
        delta: graph.audit,
        permissions: graph.audit,
        content: graph.audit,
        usage: graph.audit,
        contentEvidence: d.contentEvidence,
        logger: d.logger,
        signal: AbortSignal.any([this.abort.signal, lost.signal]),
        onProgress: keepLease,
      });
      await queueAuditSummaryToAdmins(d.db, d.tenantId, result.run.runId, { remediationEnabled: d.remediationEnabled });
      d.onOutboxChanged();
      await releaseJobLease(d.db, d.tenantId, SHARING_AUDIT_JOB, this.holder, { ranOn: day });
      d.logger.info({ tenantId: d.tenantId, runId: result.run.runId, mode: result.run.mode, ...result.run.stats }, 'sharing audit: scheduled run completed');
    } catch (err) {
      const stopped = err instanceof AuditStopped;
      // Stopped: free the lease (if still ours) so the next start resumes at once.
      const retryAfter = stopped ? undefined : new Date(d.now().getTime() + (d.retryAfterMs ?? 30 * 60_000));
      await releaseJobLease(d.db, d.tenantId, SHARING_AUDIT_JOB, this.holder, { retryAfter }).catch(() => undefined);
      if (stopped) {
        d.logger.info({ tenantId: d.tenantId }, 'sharing audit: scheduled run stopped (the app is stopping, or its lease passed to another holder); it resumes next time');
        return;
      }
      const failed = await this.recordFailure(err, retryAfter!, mode).catch((recordErr: unknown) => {
        d.logger.error({ tenantId: d.tenantId, ...describeError(recordErr) }, 'sharing audit: could not record the failed scheduled run');
        return null;
      });
      d.logger.error({ tenantId: d.tenantId, retryAfter, runId: failed?.runId, failedAttempts: failed?.failedAttempts, ...describeError(err) }, 'sharing audit: scheduled run failed; it will be tried again');
    }
  }

  /** Makes the failure visible: on the run (the tab), and to the admins in Teams once the retry has failed too. */
  private async recordFailure(err: unknown, retryAt: Date, mode: AuditMode): Promise<{ runId: string; failedAttempts: number }> {
    const d = this.deps;
    const error = describeAuditFailure(err);
    const failed = await recordAuditRunFailure(d.db, d.tenantId, { error, retryAt, at: d.now(), mode, newRunId: randomUUID() });
    // Once per run, not at every retry: a long outage would otherwise flood the admins' chats.
    if (failed.failedAttempts === ALERT_AFTER_FAILED_ATTEMPTS) {
      const timeZone = (await getTenant(d.db, d.tenantId))?.timeZone ?? d.defaultTimeZone;
      const at = localDateTime(retryAt, timeZone);
      await alertAdmins(
        d.db,
        d.tenantId,
        SHARING_AUDIT_FAILING_ALERT,
        `The scheduled sharing audit has failed ${failed.failedAttempts} times in a row (last: ${error}). Jigsaw tries again at ${at.time} and keeps trying every ${Math.round((d.retryAfterMs ?? 30 * 60_000) / 60_000)} minutes; until it completes, the findings in the tab are from the last completed audit. If it keeps failing, IT should check Jigsaw's Microsoft Graph connection (docs/sharing-audit.md).`,
        failed.runId,
      );
      d.onOutboxChanged();
    }
    return failed;
  }
}
