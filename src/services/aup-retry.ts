import type { Db } from '../store/db';
import { getAupVersion, getLatestAupVersion, listStuckAupSends, requeueStuckAupSends, type StuckAupSend } from '../store/aup.repo';
import type { AupVersion } from '../domain/aup/types';

/** 'ask', 'ask/r1', 'renew:2027-11-22', 'renew:2027-11-22/r2' in the admin's words. */
export function describeAupPurpose(purpose: string): string {
  const reminder = /\/r(\d+)$/.exec(purpose)?.[1];
  const base = purpose.startsWith('renew:') ? 'yearly renewal' : 'first card';
  return reminder ? `${base}, reminder ${reminder}` : base;
}

/** Why a stuck ask will not be re-queued, or undefined when it may be. */
export function notRetryableBecause(s: Pick<StuckAupSend, 'acknowledged' | 'inAudience'>): string | undefined {
  if (s.acknowledged) return 'has acknowledged since';
  if (!s.inAudience) return 'no longer in the audience';
  return undefined;
}

export type StuckStatus = StuckAupSend['status'];

export type AupRetryOutcome =
  | { kind: 'no-version' }
  /** The version has been replaced: everyone gets the newer version's card instead. */
  | { kind: 'replaced'; version: AupVersion; latest: AupVersion }
  | { kind: 'done'; version: AupVersion; requeued: StuckAupSend[]; leftOut: Array<{ send: StuckAupSend; why: string }> };

/**
 * Puts a version's failed and/or uncertain asks back in the queue with a fresh attempt count,
 * for `jigsaw aup retry` and the tab alike; the running sender delivers them. Opt-in per status:
 * an uncertain card may already be in the person's chat, so retrying it may send a second.
 * People who acknowledged since or left the audience, and versions since replaced, are left
 * out here (and checked again by the sender just before it sends).
 */
export async function retryStuckAupCards(
  deps: { db: Db; now: () => Date },
  input: { tenantId: string; versionId: string; statuses: ReadonlySet<StuckStatus>; personId?: string },
): Promise<AupRetryOutcome> {
  const version = await getAupVersion(deps.db, input.tenantId, input.versionId);
  if (!version) return { kind: 'no-version' };
  const latest = await getLatestAupVersion(deps.db, input.tenantId, version.audience);
  if (latest && latest.versionId !== version.versionId) return { kind: 'replaced', version, latest };
  const person = input.personId?.toLowerCase();
  const chosen = (await listStuckAupSends(deps.db, input.tenantId, version.versionId)).filter((s) => input.statuses.has(s.status) && (!person || s.personId.toLowerCase() === person));
  const leftOut = chosen.flatMap((send) => {
    const why = notRetryableBecause(send);
    return why ? [{ send, why }] : [];
  });
  const wanted = chosen.filter((s) => !notRetryableBecause(s));
  const requeuedIds = new Set(await requeueStuckAupSends(deps.db, input.tenantId, version.versionId, wanted.map((s) => s.sendId), deps.now()));
  return { kind: 'done', version, requeued: wanted.filter((s) => requeuedIds.has(s.sendId)), leftOut };
}
