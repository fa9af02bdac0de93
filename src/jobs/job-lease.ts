import { describeError, type Logger } from '../logging';
import type { Db } from '../store/db';
import { renewJobLease } from '../store/scheduled-jobs.repo';

/**
 * A progress callback that keeps a job's lease while the job moves: at most one write a
 * minute, each extending the lease by `leaseMs` from now.
 */
export function leaseKeeper(options: { db: Db; tenantId: string; job: string; holder: string; leaseMs: number; now: () => Date; logger: Logger }): () => void {
  let lastRenewal = Date.now();
  return () => {
    if (Date.now() - lastRenewal < 60_000) return;
    lastRenewal = Date.now();
    renewJobLease(options.db, options.tenantId, options.job, options.holder, new Date(options.now().getTime() + options.leaseMs)).catch((err) =>
      options.logger.warn(describeError(err), 'job lease renewal failed'),
    );
  };
}
