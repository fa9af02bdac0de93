import type { Db } from '../store/db';
import { listPupilKeysSince, listTenantIds } from '../store/triage.repo';
import { type PatternSettings, raisePatternAlerts } from '../services/pattern-alerts';

/** How far back each pass looks again: a report committed late (slow transaction) is still seen. */
const OVERLAP_MS = 5 * 60_000;

/**
 * The pattern job: after concerns are reported, checks their pupils against the threshold.
 * Idempotent (pattern_alerts remembers what was announced), so after a restart it simply
 * looks at the whole window again.
 */
export class PatternScan {
  private readonly watermarks = new Map<string, number>();

  constructor(private readonly deps: { db: Db; now: () => Date; patterns: PatternSettings }) {}

  async runOnce(): Promise<number> {
    const now = this.deps.now().getTime();
    const windowStart = now - this.deps.patterns.windowDays * 86_400_000;
    let raised = 0;
    for (const tenantId of await listTenantIds(this.deps.db)) {
      const since = Math.max(windowStart, (this.watermarks.get(tenantId) ?? windowStart) - OVERLAP_MS);
      const keys = await listPupilKeysSince(this.deps.db, tenantId, new Date(since));
      if (keys.length) raised += await this.deps.db.transaction((tx) => raisePatternAlerts(tx, tenantId, keys, new Date(now), this.deps.patterns));
      this.watermarks.set(tenantId, now);
    }
    return raised;
  }
}
