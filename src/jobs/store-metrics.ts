import type { MetricsRegistry } from '../metrics';
import type { Db } from '../store/db';
import { countUndeliveredOutbox, outboxLagSeconds } from '../store/outbox.repo';

/**
 * Gauges read from the store at scrape time: the outbox is shared by every instance, so its
 * backlog is a fact of the store, not of this process.
 */
export function registerStoreMetrics(registry: MetricsRegistry, db: Db, now: () => Date): void {
  const pending = registry.gauge('jigsaw_outbox_pending', 'Outbox messages not yet delivered (pending or being sent)');
  const held = registry.gauge('jigsaw_outbox_held', 'Outbox messages held until configuration exists (e.g. no DSL channel yet)');
  const lag = registry.gauge('jigsaw_outbox_lag_seconds', 'Age of the oldest undelivered outbox message');
  const storeUp = registry.gauge('jigsaw_store_up', '1 when the store answered the last scrape');
  registry.collect(async () => {
    try {
      const counts = await countUndeliveredOutbox(db);
      pending.set({}, counts.pending);
      held.set({}, counts.held);
      lag.set({}, Math.round(await outboxLagSeconds(db, now())));
      storeUp.set({}, 1);
    } catch {
      storeUp.set({}, 0);
    }
  });
}
