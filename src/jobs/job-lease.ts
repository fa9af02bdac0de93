import { describeError, type Logger } from '../logging';
import type { Db } from '../store/db';
import { renewJobLease } from '../store/scheduled-jobs.repo';

/**
 * A progress callback that keeps a job's lease while the job moves: at most one write a
 * minute, each extending the lease by `leaseMs` from now. If the lease has passed to someone
 * else (it expired while this job was stalled), `onLost` is called so the job can stop rather
 * than run beside the new holder.
 */
export function leaseKeeper(options: { db: Db; tenantId: string; job: string; holder: string; leaseMs: number; now: () => Date; logger: Logger; onLost?: () => void }): () => void {
  let lastRenewal = Date.now();
  return () => {
    if (Date.now() - lastRenewal < 60_000) return;
    lastRenewal = Date.now();
    renewJobLease(options.db, options.tenantId, options.job, options.holder, new Date(options.now().getTime() + options.leaseMs)).then(
      (held) => {
        if (held) return;
        options.logger.warn({ job: options.job }, 'job lease lost to another holder; stopping');
        options.onLost?.();
      },
      (err) => options.logger.warn(describeError(err), 'job lease renewal failed'),
    );
  };
}
