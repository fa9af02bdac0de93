import { armEscalationTimers, claimDueTimers } from '../store/timer.repo';
import { fireEscalationTimer, type EscalationDeps } from '../services/escalate-concern';
import { describeError, type Logger } from '../logging';

/**
 * One pass of the escalation job: arm timers for urgent concerns nobody has acknowledged
 * (from the store, so they survive restarts), then fire the ones that are due. Returns how
 * many fired. A timer whose firing fails keeps its lease and is retried after it expires.
 */
export async function runEscalationTimers(deps: EscalationDeps & { logger: Logger }, options: { batch: number; leaseMs: number }): Promise<number> {
  await armEscalationTimers(deps.db, deps.escalation.firstMinutes);
  const due = await claimDueTimers(deps.db, deps.now(), options.batch, options.leaseMs);
  let fired = 0;
  for (const timer of due) {
    try {
      const outcome = await fireEscalationTimer(deps, timer);
      if (outcome === 'fired') fired += 1;
      deps.logger.info({ tenantId: timer.tenantId, timerId: timer.timerId, kind: timer.kind, outcome }, 'escalation timer handled');
    } catch (err) {
      deps.logger.error({ tenantId: timer.tenantId, timerId: timer.timerId, ...describeError(err) }, 'escalation timer failed; will retry');
    }
  }
  return fired;
}
