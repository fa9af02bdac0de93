import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db';
import { createAupBroadcast, enqueueAupSends, getLatestAupVersion, insertAupVersion, listAudienceMembers } from '../store/aup.repo';
import { contentHash } from '../domain/aup/content-hash';
import { type AupVersion, type AupVersionDraft, OFFLINE_AUDIENCES } from '../domain/aup/types';

export interface PublishResult {
  version: AupVersion;
  /** People queued for a Teams card. */
  queued: number;
  /** People without a Teams account (parents, KS1, CSV references): asked on paper or by form. */
  offline: number;
  /** The previous version, whose acknowledgements now count as expired. */
  replaced?: AupVersion;
}

/**
 * Publishes a version and queues its broadcast, in one transaction: the immutable version
 * (hash checked by the database), one queue row per member of the audience, and the broadcast
 * record the progress card hangs on. Members are whoever the audience holds now (synced from
 * groups or a CSV beforehand). Nothing talks to Teams here: the sender does, rate-limited.
 */
export async function publishAupVersion(deps: { db: Db; now: () => Date }, input: { tenantId: string; draft: AupVersionDraft; publishedBy: string }): Promise<PublishResult> {
  const { db } = deps;
  const now = deps.now();
  return db.transaction(async (tx) => {
    const replaced = await getLatestAupVersion(tx, input.tenantId, input.draft.audience);
    const version = await insertAupVersion(tx, {
      ...input.draft,
      tenantId: input.tenantId,
      versionId: randomUUID(),
      contentHash: contentHash(input.draft),
      publishedBy: input.publishedBy,
      publishedAt: now,
    });
    const members = await listAudienceMembers(tx, input.tenantId, input.draft.audience);
    const offlineAudience = OFFLINE_AUDIENCES.includes(input.draft.audience);
    const online = offlineAudience ? [] : members.filter((m) => m.aadObjectId);
    const offline = offlineAudience ? members : members.filter((m) => !m.aadObjectId);
    await createAupBroadcast(tx, input.tenantId, version.versionId, input.publishedBy, now);
    const queued = await enqueueAupSends(tx, input.tenantId, version.versionId, 'ask', online, now);
    // Offline people are asked on paper or by form: recorded as asked, nothing to send.
    await enqueueAupSends(tx, input.tenantId, version.versionId, 'ask', offline, now, 'skipped');
    return { version, queued, offline: offline.length, ...(replaced ? { replaced } : {}) };
  });
}
