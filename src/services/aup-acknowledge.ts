import type { Db } from '../store/db';
import { audiencesOfPerson, enqueueAupSends, getAupVersion, getLatestAupVersion, insertAcknowledgement, listAcknowledgementsOfPerson, listAupSendsForPerson } from '../store/aup.repo';
import type { Person } from '../domain/concerns/concern';
import { ackExpiresAt } from '../domain/aup/status';
import { type AupVersion, isOfflineAudience } from '../domain/aup/types';

export type AcknowledgeOutcome =
  | { kind: 'recorded'; version: AupVersion; acknowledgedAt: Date; refreshed: number }
  | { kind: 'already'; version: AupVersion; acknowledgedAt: Date }
  | { kind: 'superseded'; version: AupVersion; latest: AupVersion }
  | { kind: 'not-for-you' }
  /** An offline audience (KS1 pupils, parents): signed on paper or by form, never in Teams. */
  | { kind: 'on-paper'; version: AupVersion }
  | { kind: 'unknown-version' };

/**
 * "I have read and agree". `person` comes from the Teams activity (the bot never reads identity
 * from card data); `versionId` is card data and is only trusted as far as the store confirms it:
 * the version must exist, be the latest of its audience, and the person must have been sent it or
 * belong to its audience, and the audience must sign in Teams (not an offline audience: KS1 pupils
 * and parents sign on paper). The recorded hash is the store's, not the card's. Other cards of the
 * same version in the person's chat are queued for an update to "Acknowledged on …".
 */
export async function acknowledgeAup(deps: { db: Db; now: () => Date; validityMonths: number }, input: { tenantId: string; person: Person; versionId: string }): Promise<AcknowledgeOutcome> {
  const { db } = deps;
  return db.transaction(async (tx) => {
    const version = await getAupVersion(tx, input.tenantId, input.versionId);
    if (!version) return { kind: 'unknown-version' };
    const personId = input.person.aadObjectId.toLowerCase();
    const sends = await listAupSendsForPerson(tx, input.tenantId, version.versionId, personId);
    const inAudience = (await audiencesOfPerson(tx, input.tenantId, personId)).some((a) => a.audience === version.audience);
    if (!sends.length && !inAudience) return { kind: 'not-for-you' };
    // A KS1 pupil's parent signs for them, on paper: the pupil's own Teams account cannot agree.
    if (isOfflineAudience(version.audience)) return { kind: 'on-paper', version };
    const latest = await getLatestAupVersion(tx, input.tenantId, version.audience);
    if (latest && latest.versionId !== version.versionId) return { kind: 'superseded', version, latest };

    const now = deps.now();
    const previous = (await listAcknowledgementsOfPerson(tx, input.tenantId, personId)).find((a) => a.versionId === version.versionId);
    if (previous && ackExpiresAt(previous.acknowledgedAt, deps) > now) return { kind: 'already', version, acknowledgedAt: previous.acknowledgedAt };

    await insertAcknowledgement(tx, {
      tenantId: input.tenantId,
      versionId: version.versionId,
      personId,
      aadObjectId: personId,
      displayName: input.person.name,
      acknowledgedAt: now,
      contentHash: version.contentHash,
      method: 'teams',
      recordedBy: personId,
    });
    // Every delivered card of this version (first card, reminders, renewals) shows the acknowledgement.
    const delivered = sends.filter((s) => s.status === 'sent' && s.activityId && !s.purpose.startsWith('refresh:'));
    let refreshed = 0;
    for (const s of delivered) refreshed += await enqueueAupSends(tx, input.tenantId, version.versionId, `refresh:${s.sendId}:${now.getTime()}`, [{ personId, aadObjectId: personId }], now);
    return { kind: 'recorded', version, acknowledgedAt: now, refreshed };
  });
}
