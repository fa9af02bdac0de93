import { hostname } from 'node:os';
import { localDateTime } from '../../domain/clock';
import { describeError, type Logger } from '../../logging';
import type { SharingAuditConnection } from '../../services/sharing-audit-connection';
import { queueAuditSummaryToAdmins } from '../../services/sharing-audit-notices';
import type { Db } from '../../store/db';
import { acquireJobLease, lastJobRunOn, releaseJobLease } from '../../store/scheduled-jobs.repo';
import { leaseKeeper } from '../job-lease';
import { hasCompletedAuditRun } from '../../store/sharing-runs.repo';
import { getTenant } from '../../store/tenant.repo';
import { AuditStopped, runSharingAudit } from './run-sharing-audit';

export const SHARING_AUDIT_JOB = 'sharing-audit';

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
 * then the summary card goes to the admins. A failed run is tried again after `retryAfterMs`;
 * a run stopped with the app resumes from its checkpoints.
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
    try {
      const graph = d.graph();
      const mode = (await hasCompletedAuditRun(d.db, d.tenantId)) ? 'incremental' : 'full';
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
      if (stopped) d.logger.info({ tenantId: d.tenantId }, 'sharing audit: scheduled run stopped (the app is stopping, or its lease passed to another holder); it resumes next time');
      else d.logger.error({ tenantId: d.tenantId, retryAfter, ...describeError(err) }, 'sharing audit: scheduled run failed; it will be tried again');
    }
  }
}
