import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db';
import { type AudienceSource, countAudienceMembersBySource, createAupBroadcast, enqueueAupSends, getLatestAupVersion, insertAupVersion, listAudienceMembers, skipUnsentCardsOfOlderVersions } from '../store/aup.repo';
import { contentHash } from '../domain/aup/content-hash';
import { type AudienceMember, type AupVersion, type AupVersionDraft, OFFLINE_AUDIENCES } from '../domain/aup/types';

export interface PublishResult {
  version: AupVersion;
  /** People queued for a Teams card. */
  queued: number;
  /** People without a Teams account (parents, KS1, CSV references): asked on paper or by form. */
  offline: number;
  /** The previous version, whose acknowledgements now count as expired. */
  replaced?: AupVersion;
  /** Who the audience held when the version was published, by where they came from. */
  sources: Record<AudienceSource, number>;
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
    const sources = await countAudienceMembersBySource(tx, input.tenantId, input.draft.audience);
    await createAupBroadcast(tx, input.tenantId, version.versionId, input.publishedBy, now);
    // The replaced version's cards still waiting (even mid-broadcast) would reach people after the new one: not sent.
    if (replaced) await skipUnsentCardsOfOlderVersions(tx, input.tenantId, input.draft.audience, version.versionId);
    const { queued, offline } = await queueAupAsks(tx, version, members, now);
    return { version, queued, offline, sources, ...(replaced ? { replaced } : {}) };
  });
}

/**
 * Asks people to agree to a version: one 'ask' row each in the durable queue the sender works
 * from (a publish, and later the audience sync for people who joined since). The row's key
 * (version, person, purpose) makes asking someone twice a no-op, so nobody gets two cards.
 * Offline people (offline audiences, CSV references without Teams) are recorded as asked
 * ('skipped': nothing to send); they sign on paper or by form.
 */
export async function queueAupAsks(db: Db, version: AupVersion, people: readonly AudienceMember[], now: Date): Promise<{ queued: number; offline: number }> {
  const offlineAudience = OFFLINE_AUDIENCES.includes(version.audience);
  const online = offlineAudience ? [] : people.filter((m) => m.aadObjectId);
  const offline = offlineAudience ? people : people.filter((m) => !m.aadObjectId);
  const queued = await enqueueAupSends(db, version.tenantId, version.versionId, 'ask', online, now);
  const recorded = await enqueueAupSends(db, version.tenantId, version.versionId, 'ask', offline, now, 'skipped');
  return { queued, offline: recorded };
}
