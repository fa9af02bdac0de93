import { pupilKeyHash } from '../domain/people/pupil-key';
import type { Db } from '../store/db';
import { enqueueOutbox } from '../store/outbox.repo';
import { isDslChannelRegistered, findPupilPatterns, recordPatternAlert } from '../store/triage.repo';
import { DSL_CHANNEL_TARGET } from './report-concern';

export const PATTERN_ALERT_KIND = 'concern.pattern-alert';

export interface PatternSettings {
  threshold: number;
  windowDays: number;
}

/**
 * "The jigsaw": when a pupil reaches `threshold` concerns within `windowDays`, the DSL channel
 * is told, listing the references. Each newest concern that keeps a pupil over the threshold
 * is announced once (recorded in pattern_alerts). The outbox payload holds ids only; the
 * pupil's name is decrypted when the alert is rendered.
 */
export async function raisePatternAlerts(tx: Db, tenantId: string, pupilKeys: readonly string[], now: Date, settings: PatternSettings): Promise<number> {
  const since = new Date(now.getTime() - settings.windowDays * 86_400_000);
  const patterns = await findPupilPatterns(tx, tenantId, pupilKeys, since, settings.threshold);
  let raised = 0;
  for (const p of patterns) {
    const pupilHash = pupilKeyHash(tenantId, p.pupilKey);
    if (!(await recordPatternAlert(tx, tenantId, pupilHash, p.newestConcernId, p.concernIds.length, now))) continue;
    const registered = await isDslChannelRegistered(tx, tenantId);
    await enqueueOutbox(tx, {
      tenantId,
      idempotencyKey: `pattern:${pupilHash.slice(0, 32)}:${p.newestConcernId}`,
      kind: PATTERN_ALERT_KIND,
      targetKey: DSL_CHANNEL_TARGET,
      payload: { concernIds: p.concernIds, pupilConcernId: p.sample.concernId, pupilPosition: p.sample.position, windowDays: settings.windowDays },
      held: !registered,
    });
    raised += 1;
  }
  return raised;
}
